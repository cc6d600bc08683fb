using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.OpenAi;

/// <summary>
/// <c>chat.completion.chunk</c> events as OpenAI sends them: a role chunk, one chunk per content piece, a chunk with
/// the finish_reason, a usage chunk with empty choices when <c>stream_options.include_usage</c> is set (every earlier
/// chunk then carries <c>"usage":null</c>), then <c>data: [DONE]</c>. A tool call is a chunk with its index, id, type,
/// name and empty arguments, then one chunk per argument fragment (index and arguments only).
/// </summary>
internal sealed class OpenAiStreamEncoder(PipeWriter output, SimRequest request, long created) : IStreamEncoder
{
    private readonly SseWriter _sse = new(output);
    private readonly JsonEncodedText _id = JsonEncodedText.Encode(Ids.New("chatcmpl-", 29), JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
    private readonly JsonEncodedText _model = JsonEncodedText.Encode(request.Model, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
    private int _toolIndex = -1;
    private BlockKind _block;

    public ValueTask<FlushResult> WritePreambleAsync(CancellationToken cancellationToken)
    {
        var json = BeginChunk();
        json.WriteStartObject("delta"u8);
        json.WriteString("role"u8, "assistant"u8);
        if (request.Answer.ToolCalls.Length > 0)
        {
            json.WriteNull("content"u8);
        }
        else
        {
            json.WriteString("content"u8, ""u8);
        }

        json.WriteNull("refusal"u8);
        json.WriteEndObject();
        EndChunk(json, finishReason: default);
        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> BeginBlockAsync(AnswerBlock block, CancellationToken cancellationToken)
    {
        _block = block.Kind;
        if (block.Call is not { } call)
        {
            // Text needs no opening; Chat Completions has no visible thinking (reasoning is only counted in usage).
            return ValueTask.FromResult(default(FlushResult));
        }

        _toolIndex++;
        var json = BeginChunk();
        json.WriteStartObject("delta"u8);
        json.WriteStartArray("tool_calls"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, _toolIndex);
        json.WriteString("id"u8, call.Id);
        json.WriteString("type"u8, "function"u8);
        json.WriteStartObject("function"u8);
        json.WriteString("name"u8, call.Name);
        json.WriteString("arguments"u8, ""u8);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        EndChunk(json, finishReason: default);
        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> WriteDeltaAsync(string piece, CancellationToken cancellationToken)
    {
        var json = BeginChunk();
        json.WriteStartObject("delta"u8);
        if (_block == BlockKind.ToolCall)
        {
            json.WriteStartArray("tool_calls"u8);
            json.WriteStartObject();
            json.WriteNumber("index"u8, _toolIndex);
            json.WriteStartObject("function"u8);
            json.WriteString("arguments"u8, piece);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
        }
        else
        {
            json.WriteString("content"u8, piece);
        }

        json.WriteEndObject();
        EndChunk(json, finishReason: default);
        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> EndBlockAsync(CancellationToken cancellationToken) => ValueTask.FromResult(default(FlushResult));

    public ValueTask<FlushResult> WriteEndAsync(Outcome outcome, CancellationToken cancellationToken)
    {
        var json = BeginChunk();
        json.WriteStartObject("delta"u8);
        json.WriteEndObject();
        EndChunk(json, OpenAiWire.FinishReasonText(outcome.Reason));

        if (request.IncludeUsage)
        {
            json = BeginCommon();
            json.WriteStartArray("choices"u8);
            json.WriteEndArray();
            OpenAiWire.WriteUsage(json, request.InputTokens, outcome.OutputTokens, request.Answer.ReasoningTokens);
            json.WriteEndObject();
            _sse.EndEvent();
        }

        _sse.WriteRaw("data: [DONE]\n\n"u8);
        return _sse.FlushAsync(cancellationToken);
    }

    public void Dispose() => _sse.Dispose();

    private Utf8JsonWriter BeginCommon()
    {
        var json = _sse.BeginEvent();
        json.WriteStartObject();
        json.WriteString("id"u8, _id);
        json.WriteString("object"u8, "chat.completion.chunk"u8);
        json.WriteNumber("created"u8, created);
        json.WriteString("model"u8, _model);
        json.WriteString("service_tier"u8, "default"u8);
        json.WriteString("system_fingerprint"u8, OpenAiWire.SystemFingerprint);
        return json;
    }

    /// <summary>Opens a chunk up to the inside of its single choice.</summary>
    private Utf8JsonWriter BeginChunk()
    {
        var json = BeginCommon();
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        return json;
    }

    private void EndChunk(Utf8JsonWriter json, ReadOnlySpan<byte> finishReason)
    {
        json.WriteNull("logprobs"u8);
        if (finishReason.IsEmpty)
        {
            json.WriteNull("finish_reason"u8);
        }
        else
        {
            json.WriteString("finish_reason"u8, finishReason);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        if (request.IncludeUsage)
        {
            json.WriteNull("usage"u8);
        }

        json.WriteEndObject();
        _sse.EndEvent();
    }
}
