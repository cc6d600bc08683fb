namespace Gateway.Translation;

/// <summary>Reads an upstream's non-2xx error body so it can be answered in another wire's envelope.</summary>
public static partial class UpstreamErrors
{
    /// <summary>
    /// Reads an error envelope of <paramref name="upstream"/>'s wire (<c>{"error":{...}}</c> for OpenAI wires,
    /// <c>{"type":"error","error":{...}}</c> for Anthropic) into a <see cref="TranslationError"/> with
    /// <paramref name="status"/>, the type mapped to OpenAI's vocabulary and the provider's message. False when the
    /// body is not such an envelope.
    /// </summary>
    public static bool TryRead(Wire upstream, int status, ReadOnlySpan<byte> body, out TranslationError error) =>
        throw new NotImplementedException("translation-api skeleton");
}
