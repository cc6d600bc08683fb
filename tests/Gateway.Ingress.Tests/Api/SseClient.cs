using System.Text;

namespace Gateway.Ingress.Tests.Api;

/// <summary>Reads an SSE response event by event, with a bound on every wait.</summary>
internal sealed class SseClient(Stream stream) : IDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);
    private readonly byte[] _buffer = new byte[8192];
    private readonly StringBuilder _pending = new();

    public StringBuilder All { get; } = new();

    /// <summary>The next complete event (without its blank line), or null at the end of the stream.</summary>
    public async Task<string?> NextEventAsync()
    {
        while (true)
        {
            var text = _pending.ToString();
            var end = text.IndexOf("\n\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.Remove(0, end + 2);
                return text[..end];
            }

            using var timeout = new CancellationTokenSource(MaxWait);
            var read = await stream.ReadAsync(_buffer, timeout.Token);
            if (read == 0)
            {
                return null;
            }

            var chunk = Encoding.UTF8.GetString(_buffer, 0, read);
            All.Append(chunk);
            _pending.Append(chunk);
        }
    }

    /// <summary>Reads to the end; returns the events and whether the connection failed instead of ending cleanly.</summary>
    public async Task<(List<string> Events, bool Aborted)> ReadToEndAsync()
    {
        var events = new List<string>();
        try
        {
            while (await NextEventAsync() is { } evt)
            {
                events.Add(evt);
            }

            return (events, false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return (events, true);
        }
    }

    public void Dispose() => stream.Dispose();
}
