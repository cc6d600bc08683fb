using System.Text;

namespace Gateway.Simulator.Tests.Infrastructure;

/// <summary>One server-sent event: its <c>event:</c> name (null when absent) and its joined <c>data:</c> lines.</summary>
public sealed record SseEvent(string? Name, string Data);

/// <summary>A server-sent events parser following the WHATWG rules (fields, comments, blank-line dispatch).</summary>
public sealed class SseReader(Stream stream)
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event, or null at a clean end of the stream.</summary>
    public async Task<SseEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        string? name = null;
        StringBuilder? data = null;
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                if (data is not null)
                {
                    return new SseEvent(name, data.ToString());
                }

                name = null;
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "event":
                    name = value;
                    break;
                case "data":
                    data = data is null ? new StringBuilder(value) : data.Append('\n').Append(value);
                    break;
            }
        }
    }

    /// <summary>Reads every event to the clean end of the stream.</summary>
    public async Task<List<SseEvent>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var events = new List<SseEvent>();
        while (await ReadAsync(cancellationToken) is { } next)
        {
            events.Add(next);
        }

        return events;
    }
}
