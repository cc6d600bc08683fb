using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Simulator.Behaviour;

/// <summary>
/// Writes server-sent events straight into the response <see cref="PipeWriter"/> (whose memory is pooled), with one
/// reusable <see cref="Utf8JsonWriter"/> per stream: an event costs no allocation beyond the pipe's own segments.
/// </summary>
internal sealed class SseWriter(PipeWriter output) : IDisposable
{
    public static readonly JsonWriterOptions JsonOptions = new()
    {
        // Providers send UTF-8 JSON without HTML-escaping; this JSON never lands in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Utf8JsonWriter _json = new(output, JsonOptions);

    /// <summary>Starts <c>data: </c> (with <c>event: name</c> before it when a name is given) and returns the JSON writer.</summary>
    public Utf8JsonWriter BeginEvent(ReadOnlySpan<byte> eventName = default)
    {
        if (!eventName.IsEmpty)
        {
            output.Write("event: "u8);
            output.Write(eventName);
            output.Write("\n"u8);
        }

        output.Write("data: "u8);
        _json.Reset();
        return _json;
    }

    /// <summary>Completes the event started by <see cref="BeginEvent"/>.</summary>
    public void EndEvent()
    {
        _json.Flush();
        output.Write("\n\n"u8);
    }

    /// <summary>Writes preformatted bytes (e.g. <c>data: [DONE]</c>).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes) => output.Write(bytes);

    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

    public void Dispose() => _json.Dispose();
}
