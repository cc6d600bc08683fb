using System.Buffers;

namespace Gateway.Translation;

/// <summary>Where a <see cref="StreamTranslator"/> stands after the bytes it was given.</summary>
public enum TranslateStatus : byte
{
    /// <summary>Keep feeding.</summary>
    NeedMore,

    /// <summary>The upstream's terminal event arrived and the client's ending was written (streaming) or the body
    /// is ready for <see cref="StreamTranslator.WriteBody"/> (non-streaming).</summary>
    Completed,

    /// <summary>The upstream sent an error event; see <see cref="StreamTranslator.Error"/>. Nothing about it was
    /// written: the caller answers with an error status (if <see cref="StreamTranslator.HasOutput"/> is false) or an
    /// error event of the client's wire and an aborted connection.</summary>
    UpstreamError,

    /// <summary>The bytes are not an event stream of the upstream's wire (or one event exceeds the size limit).</summary>
    Garbage,

    /// <summary>Returned by <see cref="StreamTranslator.Complete"/>: the upstream ended without its terminal event.</summary>
    Cut,
}

/// <summary>
/// Translates one upstream event stream (SSE of <see cref="TranslationContext.Upstream"/>) into the client's wire:
/// as SSE events for a streaming client, or into one whole JSON body for a non-streaming client. Feed it the upstream
/// bytes in whatever chunks they arrive; it frames events itself. Tool-call argument fragments are relayed in order
/// and complete; usage is read in the gateway's convention (<see cref="TokenUsage"/>). Not thread-safe: one per request.
/// </summary>
public sealed partial class StreamTranslator : IDisposable
{
    public StreamTranslator(TranslationContext context) =>
        throw new NotImplementedException("translation-api skeleton: filled by the response-side branch");

    public TranslationContext Context { get; } = null!;

    /// <summary>Token counts seen so far (final once <see cref="TranslateStatus.Completed"/>).</summary>
    public TokenUsage Usage { get; }

    /// <summary>The upstream reported usage.</summary>
    public bool UsageSeen { get; }

    /// <summary>The model name the upstream reported, for telemetry.</summary>
    public string? ResponseModel { get; }

    /// <summary>Text, reasoning and tool-argument deltas seen (an output estimate when usage is missing).</summary>
    public int ContentDeltas { get; }

    /// <summary>Some generated content (text, reasoning or a tool call) has arrived: the time-to-first-token mark.</summary>
    public bool ContentStarted { get; }

    /// <summary>Bytes for the client have been written to an output (streaming only).</summary>
    public bool HasOutput { get; }

    /// <summary>The upstream's error event, once <see cref="TranslateStatus.UpstreamError"/> was returned.</summary>
    public TranslationError? Error { get; }

    /// <summary>Consumes upstream bytes; a streaming client's SSE bytes are appended to <paramref name="clientOutput"/>.</summary>
    public TranslateStatus Feed(ReadOnlySpan<byte> upstreamBytes, IBufferWriter<byte> clientOutput) =>
        throw new NotImplementedException("translation-api skeleton");

    /// <summary>The upstream stream ended (EOF). <see cref="TranslateStatus.Completed"/> if its terminal event was
    /// seen (possibly in a final event without a trailing blank line), else <see cref="TranslateStatus.Cut"/>.</summary>
    public TranslateStatus Complete(IBufferWriter<byte> clientOutput) =>
        throw new NotImplementedException("translation-api skeleton");

    /// <summary>Non-streaming client, after <see cref="TranslateStatus.Completed"/>: the whole response body in the
    /// client's wire (chat.completion / message / response object).</summary>
    public void WriteBody(IBufferWriter<byte> output) =>
        throw new NotImplementedException("translation-api skeleton");

    public void Dispose()
    {
    }
}
