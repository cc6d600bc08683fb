namespace Gateway.Simulator.Behaviour;

/// <summary>
/// Simulator directives written in the text of a message, like <c>[sim ttft=200 itl=5 tokens=40 fault=drop:3]</c>.
/// They travel through any gateway translation, where headers may not.
/// </summary>
internal static class Directives
{
    private const string Opening = "[sim";

    /// <summary>Finds the next directive at or after <paramref name="start"/>; <paramref name="end"/> is one past its ']'.</summary>
    public static bool TryFindNext(ReadOnlySpan<char> text, int start, out int begin, out int end)
    {
        while (start < text.Length)
        {
            var found = text[start..].IndexOf(Opening, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                break;
            }

            begin = start + found;
            var after = begin + Opening.Length;
            if (after < text.Length && (text[after] == ']' || char.IsWhiteSpace(text[after])))
            {
                var close = text[after..].IndexOf(']');
                if (close >= 0)
                {
                    end = after + close + 1;
                    return true;
                }

                break;
            }

            start = after;
        }

        begin = end = -1;
        return false;
    }

    /// <summary>
    /// Applies every directive in <paramref name="text"/> in order (a later value wins).
    /// False with an error when a directive holds an unknown key or an invalid value.
    /// </summary>
    public static bool TryApply(ReadOnlySpan<char> text, ref PlanOverrides overrides, out string? error)
    {
        error = null;
        var position = 0;
        while (TryFindNext(text, position, out var begin, out var end))
        {
            var body = text[(begin + Opening.Length)..(end - 1)];
            foreach (var range in body.SplitAny(" \t\r\n"))
            {
                var pair = body[range];
                if (pair.IsEmpty)
                {
                    continue;
                }

                var equals = pair.IndexOf('=');
                if (equals <= 0 || !overrides.TrySet(pair[..equals], pair[(equals + 1)..]))
                {
                    error = $"Invalid simulator directive '{pair}'. Use [sim ttft=<ms> itl=<ms> tokens=<n> fault=<fault> tool=<name> tools=<n> args=<json object>].";
                    return false;
                }
            }

            position = end;
        }

        return true;
    }
}
