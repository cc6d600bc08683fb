using System.Text.Json;

namespace Gateway.Translation.Streaming;

/// <summary>Client wire Anthropic Messages: <c>message_start</c>, content blocks, <c>message_delta</c>,
/// <c>message_stop</c>; or one <c>message</c> object.</summary>
internal sealed class AnthropicEncoder(TranslationContext context, ResponseState state, SseWriter sse)
    : ClientEncoder(context, state, sse, keepText: !context.ClientStream)
{
    private readonly string _id = "msg_" + context.RequestId;

    private Utf8JsonWriter Begin(ReadOnlySpan<byte> type)
    {
        var json = Sse.Begin(type);
        json.WriteStartObject();
        json.WriteString("type"u8, type);
        return json;
    }

    private void End(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        Sse.End();
    }

    protected override void OnStart()
    {
        var json = Begin("message_start"u8);
        json.WriteStartObject("message"u8);
        json.WriteString("id"u8, _id);
        json.WriteString("type"u8, "message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("model"u8, Context.ClientModel);
        json.WriteStartArray("content"u8);
        json.WriteEndArray();
        json.WriteNull("stop_reason"u8);
        json.WriteNull("stop_sequence"u8);
        json.WritePropertyName("usage"u8);
        WriteUsage(json);
        json.WriteEndObject();
        End(json);
    }

    protected override void OnBlockStart(Block block)
    {
        if (block.Kind == BlockKind.RedactedThinking)
        {
            // Its data arrives as one delta; the block is written whole when it stops.
            return;
        }

        var json = Begin("content_block_start"u8);
        json.WriteNumber("index"u8, block.Index);
        json.WritePropertyName("content_block"u8);
        WriteBlockHead(json, block);
        End(json);
    }

    private static void WriteBlockHead(Utf8JsonWriter json, Block block)
    {
        json.WriteStartObject();
        switch (block.Kind)
        {
            case BlockKind.Text:
                json.WriteString("type"u8, "text"u8);
                json.WriteString("text"u8, ""u8);
                break;
            case BlockKind.Thinking:
                json.WriteString("type"u8, "thinking"u8);
                json.WriteString("thinking"u8, ""u8);
                json.WriteString("signature"u8, ""u8);
                break;
            case BlockKind.RedactedThinking:
                json.WriteString("type"u8, "redacted_thinking"u8);
                json.WriteString("data"u8, block.Text.Span);
                break;
            default:
                json.WriteString("type"u8, "tool_use"u8);
                json.WriteString("id"u8, block.Id);
                json.WriteString("name"u8, block.Name);
                json.WriteStartObject("input"u8);
                json.WriteEndObject();
                WriteCaller(json);
                break;
        }

        json.WriteEndObject();
    }

    /// <summary>Current Anthropic tool_use blocks carry <c>caller</c>; the C# SDK 13 rejects one without it.</summary>
    private static void WriteCaller(Utf8JsonWriter json)
    {
        json.WriteStartObject("caller"u8);
        json.WriteString("type"u8, "direct"u8);
        json.WriteEndObject();
    }

    protected override void OnDelta(Block block, ReadOnlySpan<byte> utf8)
    {
        if (block.Kind == BlockKind.RedactedThinking)
        {
            return;
        }

        var json = Begin("content_block_delta"u8);
        json.WriteNumber("index"u8, block.Index);
        json.WriteStartObject("delta"u8);
        switch (block.Kind)
        {
            case BlockKind.Text:
                json.WriteString("type"u8, "text_delta"u8);
                json.WriteString("text"u8, utf8);
                break;
            case BlockKind.Thinking:
                json.WriteString("type"u8, "thinking_delta"u8);
                json.WriteString("thinking"u8, utf8);
                break;
            default:
                json.WriteString("type"u8, "input_json_delta"u8);
                json.WriteString("partial_json"u8, utf8);
                break;
        }

        json.WriteEndObject();
        End(json);
    }

    protected override void OnSignature(Block block, ReadOnlySpan<byte> signature)
    {
        var json = Begin("content_block_delta"u8);
        json.WriteNumber("index"u8, block.Index);
        json.WriteStartObject("delta"u8);
        json.WriteString("type"u8, "signature_delta"u8);
        json.WriteString("signature"u8, signature);
        json.WriteEndObject();
        End(json);
    }

    protected override void OnBlockStop(Block block)
    {
        if (block.Kind == BlockKind.RedactedThinking)
        {
            OnBlockStartWhole(block);
        }

        var json = Begin("content_block_stop"u8);
        json.WriteNumber("index"u8, block.Index);
        End(json);
    }

    private void OnBlockStartWhole(Block block)
    {
        var json = Begin("content_block_start"u8);
        json.WriteNumber("index"u8, block.Index);
        json.WritePropertyName("content_block"u8);
        WriteBlockHead(json, block);
        End(json);
    }

    protected override void OnEnd()
    {
        var json = Begin("message_delta"u8);
        json.WriteStartObject("delta"u8);
        WriteStop(json);
        json.WriteEndObject();
        json.WritePropertyName("usage"u8);
        WriteUsage(json);
        End(json);
        End(Begin("message_stop"u8));
    }

    public override void WriteError(in TranslationError error)
    {
        var json = Begin("error"u8);
        json.WriteStartObject("error"u8);
        json.WriteString("type"u8, UpstreamErrors.ToAnthropicType(error));
        json.WriteString("message"u8, error.Message);
        json.WriteEndObject();
        End(json);
    }

    private void WriteStop(Utf8JsonWriter json)
    {
        var reason = State.Finish switch
        {
            FinishReason.Length => "max_tokens",
            FinishReason.ContentFilter => "refusal",
            FinishReason.StopSequence => "stop_sequence",
            _ when State.ToolCalls > 0 => "tool_use",
            FinishReason.ToolUse => "tool_use",
            _ => "end_turn",
        };
        json.WriteString("stop_reason"u8, reason);
        if (State.Finish == FinishReason.StopSequence && State.StopSequence is not null)
        {
            json.WriteString("stop_sequence"u8, State.StopSequence);
        }
        else
        {
            json.WriteNull("stop_sequence"u8);
        }
    }

    /// <summary>Anthropic's convention: <c>input_tokens</c> excludes cache reads and writes.</summary>
    private void WriteUsage(Utf8JsonWriter json)
    {
        var u = State.Usage;
        json.WriteStartObject();
        json.WriteNumber("input_tokens"u8, Math.Max(0, u.Input - u.CachedInput - u.CacheWrite));
        json.WriteNumber("cache_creation_input_tokens"u8, u.CacheWrite);
        json.WriteNumber("cache_read_input_tokens"u8, u.CachedInput);
        json.WriteNumber("output_tokens"u8, u.Output);
        json.WriteEndObject();
    }

    public override void WriteBody(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, _id);
        json.WriteString("type"u8, "message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("model"u8, Context.ClientModel);
        json.WriteStartArray("content"u8);
        foreach (var b in State.Blocks)
        {
            json.WriteStartObject();
            switch (b.Kind)
            {
                case BlockKind.Text:
                    json.WriteString("type"u8, "text"u8);
                    json.WriteString("text"u8, b.Text.Span);
                    break;
                case BlockKind.Thinking:
                    json.WriteString("type"u8, "thinking"u8);
                    json.WriteString("thinking"u8, b.Text.Span);
                    json.WriteString("signature"u8, b.Signature.Span);
                    break;
                case BlockKind.RedactedThinking:
                    json.WriteString("type"u8, "redacted_thinking"u8);
                    json.WriteString("data"u8, b.Text.Span);
                    break;
                default:
                    json.WriteString("type"u8, "tool_use"u8);
                    json.WriteString("id"u8, b.Id);
                    json.WriteString("name"u8, b.Name);
                    json.WritePropertyName("input"u8);
                    WriteArgumentsValue(json, b.Text.Span);
                    WriteCaller(json);
                    break;
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteStop(json);
        json.WritePropertyName("usage"u8);
        WriteUsage(json);
        json.WriteEndObject();
    }
}
