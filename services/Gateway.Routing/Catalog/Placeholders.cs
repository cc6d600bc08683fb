using System.Text;

namespace Gateway.Routing.Catalog;

/// <summary>
/// <c>${NAME}</c> placeholders (NAME: a letter or '_' then letters, digits, '_'), replaced by the value of that
/// configuration key — which includes every environment variable. A variable that is unset or empty makes the
/// value unavailable (the entry using it is disabled, not served with a hole in it). '$' elsewhere is literal.
/// </summary>
internal static class Placeholders
{
    public readonly record struct Expansion(string? Value, string? MissingVariable, string? Error);

    public static Expansion Expand(string value, Func<string, string?> lookup)
    {
        var start = value.IndexOf("${", StringComparison.Ordinal);
        if (start < 0)
        {
            return new Expansion(value, null, null);
        }

        var result = new StringBuilder(value.Length + 32);
        var position = 0;
        while (start >= 0)
        {
            var end = value.IndexOf('}', start + 2);
            if (end < 0)
            {
                return new Expansion(null, null, $"has an unterminated placeholder at position {start}");
            }

            var name = value[(start + 2)..end];
            if (!IsVariableName(name))
            {
                return new Expansion(null, null, $"has an invalid placeholder '${{{name}}}'");
            }

            var replacement = lookup(name);
            if (string.IsNullOrEmpty(replacement))
            {
                return new Expansion(null, name, null);
            }

            result.Append(value, position, start - position).Append(replacement);
            position = end + 1;
            start = value.IndexOf("${", position, StringComparison.Ordinal);
        }

        result.Append(value, position, value.Length - position);
        return new Expansion(result.ToString(), null, null);
    }

    public static bool IsVariableName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
