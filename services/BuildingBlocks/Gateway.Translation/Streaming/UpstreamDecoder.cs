using System.Text.Json;

namespace Gateway.Translation.Streaming;

internal enum DecodeStatus : byte
{
    Continue,
    Completed,
    Error,
    Garbage,
}

/// <summary>Turns one upstream wire's SSE events into canonical events on a <see cref="ClientEncoder"/>.</summary>
internal abstract class UpstreamDecoder(ClientEncoder sink, ResponseState state) : IDisposable
{
    protected ClientEncoder Sink { get; } = sink;

    protected ResponseState State { get; } = state;

    protected PooledBuffer Scratch { get; } = new();

    public TranslationError? Error { get; protected set; }

    public static UpstreamDecoder For(Wire upstream, ClientEncoder sink, ResponseState state) => upstream switch
    {
        Wire.OpenAiChat => new ChatDecoder(sink, state),
        Wire.AnthropicMessages => new AnthropicDecoder(sink, state),
        _ => new ResponsesDecoder(sink, state),
    };

    /// <summary>Decodes one event. Malformed JSON is <see cref="DecodeStatus.Garbage"/> (the reader's exception is
    /// the one exception on this path, and it ends the stream).</summary>
    public DecodeStatus Decode(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        try
        {
            // A first tokenizing pass (no allocation) so that a malformed event is refused before any of it is
            // relayed: the client never sees half of a broken event.
            if (!data.SequenceEqual("[DONE]"u8) && !IsWellFormed(data))
            {
                return DecodeStatus.Garbage;
            }

            return DecodeEvent(eventName, data);
        }
        catch (JsonException)
        {
            return DecodeStatus.Garbage;
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader reports invalid UTF-8 or a token of an unexpected type this way.
            return DecodeStatus.Garbage;
        }
    }

    private static bool IsWellFormed(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        if (!reader.Read())
        {
            return false;
        }

        reader.Skip();
        return !reader.Read();
    }

    protected abstract DecodeStatus DecodeEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data);

    protected DecodeStatus Fail(in TranslationError error)
    {
        Error = error;
        return DecodeStatus.Error;
    }

    public virtual void Dispose() => Scratch.Dispose();
}
