using System.IO.Pipelines;
using System.Text.Json;
using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.Anthropic;

/// <summary>
/// Messages stream events as Anthropic sends them: message_start, then per block content_block_start (ping after the
/// first), content_block_delta per piece (text_delta, thinking_delta, input_json_delta; a thinking block ends with a
/// signature_delta), content_block_stop; then message_delta (stop_reason, cumulative output_tokens), message_stop.
/// </summary>
internal sealed class AnthropicStreamEncoder(PipeWriter output, SimRequest request) : IStreamEncoder
{
    private readonly SseWriter _sse = new(output);
    private AnswerBlock? _block;

    public ValueTask<FlushResult> WritePreambleAsync(CancellationToken cancellationToken)
    {
        var json = _sse.BeginEvent("message_start"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "message_start"u8);
        json.WriteStartObject("message"u8);
        json.WriteString("id"u8, Ids.New("msg_01", 22));
        json.WriteString("type"u8, "message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("model"u8, request.Model);
        json.WriteStartArray("content"u8);
        json.WriteEndArray();
        json.WriteNull("stop_reason"u8);
        json.WriteNull("stop_sequence"u8);
        json.WriteStartObject("usage"u8);
        json.WriteNumber("input_tokens"u8, request.InputTokens);
        json.WriteNumber("cache_creation_input_tokens"u8, 0);
        json.WriteNumber("cache_read_input_tokens"u8, 0);
        // Anthropic's placeholder in message_start; message_delta carries the real cumulative count.
        json.WriteNumber("output_tokens"u8, 1);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        _sse.EndEvent();

        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> BeginBlockAsync(AnswerBlock block, CancellationToken cancellationToken)
    {
        _block = block;
        var json = _sse.BeginEvent("content_block_start"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "content_block_start"u8);
        json.WriteNumber("index"u8, block.Index);
        json.WriteStartObject("content_block"u8);
        switch (block.Kind)
        {
            case BlockKind.Thinking:
                json.WriteString("type"u8, "thinking"u8);
                json.WriteString("thinking"u8, ""u8);
                json.WriteString("signature"u8, ""u8);
                break;
            case BlockKind.ToolCall:
                json.WriteString("type"u8, "tool_use"u8);
                json.WriteString("id"u8, block.Call!.Id);
                json.WriteString("name"u8, block.Call.Name);
                json.WriteStartObject("input"u8);
                json.WriteEndObject();
                AnthropicWire.WriteDirectCaller(json);
                break;
            default:
                json.WriteString("type"u8, "text"u8);
                json.WriteString("text"u8, ""u8);
                break;
        }

        json.WriteEndObject();
        json.WriteEndObject();
        _sse.EndEvent();

        if (block.Index == 0)
        {
            // Byte for byte what Anthropic sends after the first content_block_start, space included.
            _sse.WriteRaw("event: ping\ndata: {\"type\": \"ping\"}\n\n"u8);
        }

        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> WriteDeltaAsync(string piece, CancellationToken cancellationToken)
    {
        var json = _sse.BeginEvent("content_block_delta"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "content_block_delta"u8);
        json.WriteNumber("index"u8, _block!.Index);
        json.WriteStartObject("delta"u8);
        switch (_block.Kind)
        {
            case BlockKind.Thinking:
                json.WriteString("type"u8, "thinking_delta"u8);
                json.WriteString("thinking"u8, piece);
                break;
            case BlockKind.ToolCall:
                json.WriteString("type"u8, "input_json_delta"u8);
                json.WriteString("partial_json"u8, piece);
                break;
            default:
                json.WriteString("type"u8, "text_delta"u8);
                json.WriteString("text"u8, piece);
                break;
        }

        json.WriteEndObject();
        json.WriteEndObject();
        _sse.EndEvent();
        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> EndBlockAsync(CancellationToken cancellationToken)
    {
        Utf8JsonWriter json;
        if (_block!.Signature is { } signature)
        {
            json = _sse.BeginEvent("content_block_delta"u8);
            json.WriteStartObject();
            json.WriteString("type"u8, "content_block_delta"u8);
            json.WriteNumber("index"u8, _block.Index);
            json.WriteStartObject("delta"u8);
            json.WriteString("type"u8, "signature_delta"u8);
            json.WriteString("signature"u8, signature);
            json.WriteEndObject();
            json.WriteEndObject();
            _sse.EndEvent();
        }

        json = _sse.BeginEvent("content_block_stop"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "content_block_stop"u8);
        json.WriteNumber("index"u8, _block.Index);
        json.WriteEndObject();
        _sse.EndEvent();
        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> WriteEndAsync(Outcome outcome, CancellationToken cancellationToken)
    {
        var json = _sse.BeginEvent("message_delta"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "message_delta"u8);
        json.WriteStartObject("delta"u8);
        AnthropicWire.WriteStop(json, outcome);
        json.WriteEndObject();
        json.WriteStartObject("usage"u8);
        json.WriteNumber("output_tokens"u8, outcome.OutputTokens);
        json.WriteEndObject();
        json.WriteEndObject();
        _sse.EndEvent();

        _sse.WriteRaw("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"u8);
        return _sse.FlushAsync(cancellationToken);
    }

    public void Dispose() => _sse.Dispose();
}
