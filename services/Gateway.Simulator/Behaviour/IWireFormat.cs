using System.IO.Pipelines;
using System.Text.Json;

namespace Gateway.Simulator.Behaviour;

/// <summary>One provider wire format (OpenAI Chat Completions, Anthropic Messages): parsing, envelopes, encoders.</summary>
internal interface IWireFormat
{
    /// <summary>Short name for logs ("openai", "anthropic").</summary>
    string Name { get; }

    /// <summary>The API key the request carries, or null.</summary>
    string? ReadApiKey(HttpRequest request);

    ApiError MissingApiKey { get; }

    ApiError InvalidApiKey { get; }

    /// <summary>Wire-specific header checks (e.g. anthropic-version); null when the headers are acceptable.</summary>
    ApiError? ValidateHeaders(HttpRequest request);

    ParseResult Parse(JsonElement body);

    ApiError ModelNotFound(string model);

    /// <summary>Adds the headers the real provider sends on every response (request ids).</summary>
    void AddResponseHeaders(HttpResponse response);

    Task WriteErrorAsync(HttpResponse response, ApiError error, CancellationToken cancellationToken);

    /// <summary>Writes a complete non-streaming answer.</summary>
    Task WriteCompletionAsync(HttpResponse response, SimRequest request, string text, Outcome outcome, CancellationToken cancellationToken);

    IStreamEncoder CreateStreamEncoder(PipeWriter output, SimRequest request);

    /// <summary>A 200 body that does not parse: <paramref name="stream"/> selects broken SSE over broken JSON.</summary>
    ReadOnlyMemory<byte> Garbage(bool stream);
}

/// <summary>Writes the events of one streamed answer; each call writes and flushes one or more whole events.</summary>
internal interface IStreamEncoder : IDisposable
{
    /// <summary>What comes before the first content token (OpenAI role chunk; Anthropic message_start, content_block_start, ping).</summary>
    ValueTask<FlushResult> WritePreambleAsync(CancellationToken cancellationToken);

    ValueTask<FlushResult> WriteDeltaAsync(string piece, CancellationToken cancellationToken);

    /// <summary>The terminal events (OpenAI finish chunk, usage chunk, [DONE]; Anthropic content_block_stop, message_delta, message_stop).</summary>
    ValueTask<FlushResult> WriteEndAsync(Outcome outcome, CancellationToken cancellationToken);
}
