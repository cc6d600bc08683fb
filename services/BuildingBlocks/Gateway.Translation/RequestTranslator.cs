using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Gateway.Translation;

/// <summary>Reads client requests into the canonical model and writes them out in an upstream's wire.</summary>
public static partial class RequestTranslator
{
    /// <summary>
    /// Parses and validates a client request body of wire <paramref name="client"/>. Returns false with a 400
    /// <see cref="TranslationError"/> naming the field for invalid JSON, wrong field types, unknown roles or content
    /// types, empty <c>messages</c>/<c>input</c>, missing required fields and contradictory options. Unknown extra
    /// fields are accepted (and dropped on translation).
    /// </summary>
    public static bool TryParse(Wire client, ReadOnlySpan<byte> body, [NotNullWhen(true)] out CanonicalRequest? request,
        out TranslationError error) =>
        throw new NotImplementedException("translation-api skeleton: filled by the request-side branch");

    /// <summary>
    /// Writes <paramref name="request"/> as a body of wire <paramref name="upstream"/> for <paramref name="upstreamModel"/>.
    /// The upstream is always asked to stream (<c>stream: true</c>; on openai-chat also
    /// <c>stream_options.include_usage: true</c>), whatever the client asked: the response side turns the stream into
    /// a whole body for a non-streaming client. Returns what the response side needs to map the answer back.
    /// </summary>
    public static TranslationContext Write(CanonicalRequest request, Wire upstream, string upstreamModel, string requestId,
        IBufferWriter<byte> output) =>
        throw new NotImplementedException("translation-api skeleton: filled by the request-side branch");
}
