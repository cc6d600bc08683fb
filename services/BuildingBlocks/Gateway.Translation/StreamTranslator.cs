using System.Buffers;
using System.Text.Json;
using Gateway.Translation.Streaming;

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
    private readonly SseFramer _framer = new();
    private readonly ResponseState _state = new();
    private readonly SseWriter _sse = new();
    private readonly ClientEncoder _encoder;
    private readonly UpstreamDecoder _decoder;
    private TranslateStatus _final = TranslateStatus.NeedMore;
    private int _events;

    public StreamTranslator(TranslationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
        _encoder = context.Client switch
        {
            Wire.OpenAiChat => new ChatEncoder(context, _state, _sse),
            Wire.AnthropicMessages => new AnthropicEncoder(context, _state, _sse),
            _ => new ResponsesEncoder(context, _state, _sse),
        };
        _decoder = UpstreamDecoder.For(context.Upstream, _encoder, _state);
    }

    public TranslationContext Context { get; }

    /// <summary>Token counts seen so far (final once <see cref="TranslateStatus.Completed"/>).</summary>
    public TokenUsage Usage => _state.Usage;

    /// <summary>The upstream reported usage (Anthropic: its <c>message_delta</c> usage, the final counts).</summary>
    public bool UsageSeen => _state.UsageSeen;

    /// <summary>The model name the upstream reported, for telemetry.</summary>
    public string? ResponseModel => _state.ResponseModel;

    /// <summary>Text, reasoning and tool-argument deltas seen (an output estimate when usage is missing).</summary>
    public int ContentDeltas => _encoder.ContentDeltas;

    /// <summary>Some generated content (text, reasoning or a tool call) has arrived: the time-to-first-token mark.</summary>
    public bool ContentStarted => _encoder.ContentStarted;

    /// <summary>Bytes for the client have been written to an output (streaming only).</summary>
    public bool HasOutput => _sse.HasOutput;

    /// <summary>The upstream's error event, once <see cref="TranslateStatus.UpstreamError"/> was returned.</summary>
    public TranslationError? Error => _decoder.Error;

    /// <summary>Consumes upstream bytes; a streaming client's SSE bytes are appended to <paramref name="clientOutput"/>.</summary>
    public TranslateStatus Feed(ReadOnlySpan<byte> upstreamBytes, IBufferWriter<byte> clientOutput)
    {
        ArgumentNullException.ThrowIfNull(clientOutput);
        if (_final != TranslateStatus.NeedMore)
        {
            // Bytes after the end (or after a failure) are not read.
            return _final;
        }

        _sse.SetOutput(clientOutput);
        while (true)
        {
            switch (_framer.Next(ref upstreamBytes))
            {
                case SseRead.NeedMore:
                    return TranslateStatus.NeedMore;
                case SseRead.TooLarge or SseRead.Invalid:
                    return _final = TranslateStatus.Garbage;
            }

            var status = Dispatch();
            if (status != TranslateStatus.NeedMore)
            {
                return _final = status;
            }
        }
    }

    /// <summary>The upstream stream ended (EOF). <see cref="TranslateStatus.Completed"/> if its terminal event was
    /// seen (possibly in a final event without a trailing blank line), else <see cref="TranslateStatus.Cut"/>.</summary>
    public TranslateStatus Complete(IBufferWriter<byte> clientOutput)
    {
        ArgumentNullException.ThrowIfNull(clientOutput);
        if (_final != TranslateStatus.NeedMore)
        {
            return _final;
        }

        _sse.SetOutput(clientOutput);
        // A broken last fragment after good events is a stream cut mid-event; with no good event before it, the
        // body never was an event stream.
        switch (_framer.Flush())
        {
            case SseRead.Invalid:
                return _final = _events > 0 ? TranslateStatus.Cut : TranslateStatus.Garbage;
            case SseRead.Event:
                var status = Dispatch();
                if (status == TranslateStatus.Garbage && _events > 1)
                {
                    return _final = TranslateStatus.Cut;
                }

                if (status != TranslateStatus.NeedMore)
                {
                    return _final = status;
                }

                break;
        }

        return _final = TranslateStatus.Cut;
    }

    private TranslateStatus Dispatch()
    {
        _events++;
        return _decoder.Decode(_framer.EventName, _framer.Data) switch
        {
            DecodeStatus.Completed => TranslateStatus.Completed,
            DecodeStatus.Error => TranslateStatus.UpstreamError,
            DecodeStatus.Garbage => TranslateStatus.Garbage,
            _ => TranslateStatus.NeedMore,
        };
    }

    /// <summary>Non-streaming client, after <see cref="TranslateStatus.Completed"/>: the whole response body in the
    /// client's wire (chat.completion / message / response object).</summary>
    public void WriteBody(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_encoder.Ended)
        {
            throw new InvalidOperationException("WriteBody needs a completed upstream stream.");
        }

        using var json = new Utf8JsonWriter(output, SseWriter.Options);
        _encoder.WriteBody(json);
    }

    /// <summary>
    /// Streaming client, after an <see cref="TranslateStatus.UpstreamError"/> (or a cut/garbage stream) once
    /// <see cref="HasOutput"/>: writes the client wire's error event(s) for <paramref name="error"/> (Chat: an
    /// <c>{"error":{...}}</c> data event; Anthropic: <c>event: error</c>; Responses: <c>error</c> then
    /// <c>response.failed</c>). The caller then aborts the connection.
    /// </summary>
    public void WriteError(in TranslationError error, IBufferWriter<byte> clientOutput)
    {
        ArgumentNullException.ThrowIfNull(clientOutput);
        _sse.SetOutput(clientOutput);
        _encoder.WriteError(error);
    }

    public void Dispose()
    {
        _framer.Dispose();
        _decoder.Dispose();
        _state.Dispose();
        _sse.Dispose();
    }
}
