namespace Gateway.FunctionalTests.Replays;

/// <summary>One server-sent event: its <c>event:</c> name (null when absent) and its joined <c>data:</c> lines.</summary>
internal sealed record ServerSentEvent(string? Name, string Data);

internal static class ServerSentEvents
{
    /// <summary>Splits a whole <c>text/event-stream</c> body into events (LF or CRLF; comments and empty events skipped).</summary>
    public static List<ServerSentEvent> Parse(string body)
    {
        var events = new List<ServerSentEvent>();
        string? name = null;
        var data = new List<string>();
        foreach (var rawLine in body.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                Flush();
                continue;
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            if (field == "event")
            {
                name = value;
            }
            else if (field == "data")
            {
                data.Add(value);
            }
        }

        Flush();
        return events;

        void Flush()
        {
            if (data.Count > 0)
            {
                events.Add(new ServerSentEvent(name, string.Join('\n', data)));
            }

            name = null;
            data.Clear();
        }
    }
}
