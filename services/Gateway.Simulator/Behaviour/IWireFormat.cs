using System.IO.Pipelines;
using System.Text.Json;
using Gateway.Simulator.Tools;

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
    Task WriteCompletionAsync(HttpResponse response, SimRequest request, CompletedAnswer answer, Outcome outcome, CancellationToken cancellationToken);

    IStreamEncoder CreateStreamEncoder(PipeWriter output, SimRequest request);

    /// <summary>A 200 body that does not parse: <paramref name="stream"/> selects broken SSE over broken JSON.</summary>
    ReadOnlyMemory<byte> Garbage(bool stream);
}

/// <summary>Writes the events of one streamed answer; each call writes and flushes one or more whole events.</summary>
internal interface IStreamEncoder : IDisposable
{
    /// <summary>What comes before the first block (OpenAI role chunk; Anthropic message_start; Responses created, in_progress).</summary>
    ValueTask<FlushResult> WritePreambleAsync(CancellationToken cancellationToken);

    /// <summary>Opens a block (Anthropic content_block_start, then ping after the first; OpenAI a tool call's first delta).</summary>
    ValueTask<FlushResult> BeginBlockAsync(AnswerBlock block, CancellationToken cancellationToken);

    /// <summary>One piece of the open block: text, thinking or a tool-argument fragment.</summary>
    ValueTask<FlushResult> WriteDeltaAsync(string piece, CancellationToken cancellationToken);

    /// <summary>Closes the open block (Anthropic signature_delta for thinking, content_block_stop).</summary>
    ValueTask<FlushResult> EndBlockAsync(CancellationToken cancellationToken);

    /// <summary>The terminal events (OpenAI finish chunk, usage chunk, [DONE]; Anthropic message_delta, message_stop).</summary>
    ValueTask<FlushResult> WriteEndAsync(Outcome outcome, CancellationToken cancellationToken);
}

internal enum BlockKind
{
    Thinking,
    Text,
    ToolCall,
}

/// <summary>
/// One block of an answer, in order: its position, its pieces (null for free text, which an <see cref="AnswerCursor"/>
/// produces), the tool call it carries, the signature of a thinking block.
/// </summary>
internal sealed record AnswerBlock(BlockKind Kind, int Index, string[]? Pieces, ToolCall? Call = null, string? Signature = null);

/// <summary>A whole non-streaming answer: thinking (with its signature) when asked for, then text or tool calls.</summary>
internal sealed record CompletedAnswer(string? Thinking, string? Signature, string Text, ToolCall[] ToolCalls);
