using System.Text.Json;

namespace Gateway.Translation.Streaming;

/// <summary>Client wire OpenAI Responses: the full event sequence with <c>sequence_number</c>s, or one
/// <c>response</c> object. Keeps every block's text (items are repeated whole at their end and in the final
/// response).</summary>
internal sealed class ResponsesEncoder(TranslationContext context, ResponseState state, SseWriter sse)
    : ClientEncoder(context, state, sse, keepText: true)
{
    private readonly string _id = "resp_" + context.RequestId;
    private long _sequence;
    private int _nextIndex;

    private Utf8JsonWriter Begin(ReadOnlySpan<byte> type)
    {
        var json = Sse.Begin(type);
        json.WriteStartObject();
        json.WriteString("type"u8, type);
        json.WriteNumber("sequence_number"u8, _sequence++);
        return json;
    }

    private void End(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        Sse.End();
    }

    private Utf8JsonWriter BeginItemEvent(ReadOnlySpan<byte> type, Block block)
    {
        var json = Begin(type);
        json.WritePropertyName("item_id"u8);
        WriteItemId(json, block);
        json.WriteNumber("output_index"u8, block.ClientIndex);
        return json;
    }

    private void WriteItemId(Utf8JsonWriter json, Block block)
    {
        if (block.ClientId is null)
        {
            var prefix = block.Kind switch
            {
                BlockKind.Text => "msg_",
                BlockKind.Thinking => "rs_",
                _ => block.IsCustomTool ? "ctc_" : "fc_",
            };
            block.ClientId = $"{prefix}{Context.RequestId}_{block.ClientIndex}";
        }

        json.WriteStringValue(block.ClientId);
    }

    protected override void OnStart()
    {
        foreach (var type in (ReadOnlySpan<string>)["response.created", "response.in_progress"])
        {
            var json = Begin(System.Text.Encoding.UTF8.GetBytes(type));
            json.WritePropertyName("response"u8);
            WriteResponse(json, final: false);
            End(json);
        }
    }

    protected override void OnBlockStart(Block block)
    {
        if (block.Kind == BlockKind.RedactedThinking)
        {
            return;
        }

        block.ClientIndex = _nextIndex++;
        var json = Begin("response.output_item.added"u8);
        json.WriteNumber("output_index"u8, block.ClientIndex);
        json.WritePropertyName("item"u8);
        WriteItem(json, block, done: false);
        End(json);
        if (block.Kind == BlockKind.Text)
        {
            json = BeginItemEvent("response.content_part.added"u8, block);
            json.WriteNumber("content_index"u8, 0);
            json.WritePropertyName("part"u8);
            WriteTextPart(json, default);
            End(json);
        }
    }

    protected override void OnDelta(Block block, ReadOnlySpan<byte> utf8)
    {
        if (block.ClientIndex < 0)
        {
            return;
        }

        switch (block.Kind)
        {
            case BlockKind.Text:
            {
                var json = BeginItemEvent("response.output_text.delta"u8, block);
                json.WriteNumber("content_index"u8, 0);
                json.WriteString("delta"u8, utf8);
                json.WriteStartArray("logprobs"u8);
                json.WriteEndArray();
                End(json);
                break;
            }
            case BlockKind.Thinking:
            {
                if (block.Text.Length == utf8.Length)
                {
                    // The first summary text: its part opens now (a reasoning item without text has no summary).
                    var part = BeginItemEvent("response.reasoning_summary_part.added"u8, block);
                    part.WriteNumber("summary_index"u8, 0);
                    part.WritePropertyName("part"u8);
                    WriteSummaryPart(part, default);
                    End(part);
                }

                var json = BeginItemEvent("response.reasoning_summary_text.delta"u8, block);
                json.WriteNumber("summary_index"u8, 0);
                json.WriteString("delta"u8, utf8);
                End(json);
                break;
            }
            case BlockKind.ToolCall when !block.IsCustomTool:
            {
                var json = BeginItemEvent("response.function_call_arguments.delta"u8, block);
                json.WriteString("delta"u8, utf8);
                End(json);
                break;
            }
        }
    }

    protected override void OnBlockStop(Block block)
    {
        if (block.ClientIndex < 0)
        {
            return;
        }

        Utf8JsonWriter json;
        switch (block.Kind)
        {
            case BlockKind.Text:
                json = BeginItemEvent("response.output_text.done"u8, block);
                json.WriteNumber("content_index"u8, 0);
                json.WriteString("text"u8, block.Text.Span);
                json.WriteStartArray("logprobs"u8);
                json.WriteEndArray();
                End(json);
                json = BeginItemEvent("response.content_part.done"u8, block);
                json.WriteNumber("content_index"u8, 0);
                json.WritePropertyName("part"u8);
                WriteTextPart(json, block.Text.Span);
                End(json);
                break;
            case BlockKind.Thinking when block.Text.Length > 0:
                json = BeginItemEvent("response.reasoning_summary_text.done"u8, block);
                json.WriteNumber("summary_index"u8, 0);
                json.WriteString("text"u8, block.Text.Span);
                End(json);
                json = BeginItemEvent("response.reasoning_summary_part.done"u8, block);
                json.WriteNumber("summary_index"u8, 0);
                json.WritePropertyName("part"u8);
                WriteSummaryPart(json, block.Text.Span);
                End(json);
                break;
            case BlockKind.ToolCall when block.IsCustomTool:
                json = BeginItemEvent("response.custom_tool_call_input.delta"u8, block);
                json.WritePropertyName("delta"u8);
                WriteCustomInput(json, block.Text.Span);
                End(json);
                json = BeginItemEvent("response.custom_tool_call_input.done"u8, block);
                json.WritePropertyName("input"u8);
                WriteCustomInput(json, block.Text.Span);
                End(json);
                break;
            case BlockKind.ToolCall:
                json = BeginItemEvent("response.function_call_arguments.done"u8, block);
                json.WriteString("name"u8, block.Name);
                json.WriteString("arguments"u8, block.Text.Span);
                End(json);
                break;
        }

        json = Begin("response.output_item.done"u8);
        json.WriteNumber("output_index"u8, block.ClientIndex);
        json.WritePropertyName("item"u8);
        WriteItem(json, block, done: true);
        End(json);
    }

    protected override void OnEnd()
    {
        var json = Begin(Incomplete ? "response.incomplete"u8 : "response.completed"u8);
        json.WritePropertyName("response"u8);
        WriteResponse(json, final: true);
        End(json);
    }

    public override void WriteError(in TranslationError error)
    {
        var json = Begin("error"u8);
        json.WriteString("code"u8, error.Code);
        json.WriteString("message"u8, error.Message);
        if (error.Param is null)
        {
            json.WriteNull("param"u8);
        }
        else
        {
            json.WriteString("param"u8, error.Param);
        }

        End(json);
        json = Begin("response.failed"u8);
        json.WritePropertyName("response"u8);
        WriteResponse(json, final: true, error);
        End(json);
    }

    private bool Incomplete => State.Finish is FinishReason.Length or FinishReason.ContentFilter;

    public override void WriteBody(Utf8JsonWriter json)
    {
        foreach (var b in State.Blocks)
        {
            if (b.Kind != BlockKind.RedactedThinking && b.ClientIndex < 0)
            {
                b.ClientIndex = _nextIndex++;
            }
        }

        WriteResponse(json, final: true);
    }

    private void WriteResponse(Utf8JsonWriter json, bool final, TranslationError? error = null)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, _id);
        json.WriteString("object"u8, "response"u8);
        json.WriteNumber("created_at"u8, Context.CreatedUnixSeconds);
        json.WriteString("status"u8, !final ? "in_progress"u8 : error is not null ? "failed"u8 : Incomplete ? "incomplete"u8 : "completed"u8);
        json.WriteBoolean("background"u8, false);
        if (error is { } e)
        {
            json.WriteStartObject("error"u8);
            json.WriteString("code"u8, e.Code);
            json.WriteString("message"u8, e.Message);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("error"u8);
        }

        if (final && error is null && Incomplete)
        {
            json.WriteStartObject("incomplete_details"u8);
            json.WriteString("reason"u8, State.Finish == FinishReason.Length ? "max_output_tokens"u8 : "content_filter"u8);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("incomplete_details"u8);
        }

        json.WriteNull("instructions"u8);
        json.WriteNull("max_output_tokens"u8);
        json.WriteString("model"u8, Context.ClientModel);
        json.WriteStartArray("output"u8);
        if (final)
        {
            foreach (var b in State.Blocks)
            {
                if (b.ClientIndex >= 0)
                {
                    WriteItem(json, b, done: true);
                }
            }
        }

        json.WriteEndArray();
        json.WriteBoolean("parallel_tool_calls"u8, true);
        json.WriteNull("previous_response_id"u8);
        json.WriteStartObject("reasoning"u8);
        json.WriteNull("effort"u8);
        json.WriteNull("summary"u8);
        json.WriteEndObject();
        json.WriteBoolean("store"u8, false);
        json.WriteStartObject("text"u8);
        json.WriteStartObject("format"u8);
        json.WriteString("type"u8, "text"u8);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteString("tool_choice"u8, "auto"u8);
        json.WriteStartArray("tools"u8);
        json.WriteEndArray();
        json.WriteString("truncation"u8, "disabled"u8);
        if (final)
        {
            var u = State.Usage;
            json.WriteStartObject("usage"u8);
            json.WriteNumber("input_tokens"u8, u.Input);
            json.WriteStartObject("input_tokens_details"u8);
            json.WriteNumber("cached_tokens"u8, u.CachedInput);
            json.WriteEndObject();
            json.WriteNumber("output_tokens"u8, u.Output);
            json.WriteStartObject("output_tokens_details"u8);
            json.WriteNumber("reasoning_tokens"u8, u.Reasoning);
            json.WriteEndObject();
            json.WriteNumber("total_tokens"u8, u.Input + u.Output);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("usage"u8);
        }

        json.WriteNull("user"u8);
        json.WriteStartObject("metadata"u8);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private void WriteItem(Utf8JsonWriter json, Block block, bool done)
    {
        json.WriteStartObject();
        json.WritePropertyName("id"u8);
        WriteItemId(json, block);
        switch (block.Kind)
        {
            case BlockKind.Text:
                json.WriteString("type"u8, "message"u8);
                json.WriteString("status"u8, done ? "completed"u8 : "in_progress"u8);
                json.WriteStartArray("content"u8);
                if (done)
                {
                    WriteTextPart(json, block.Text.Span);
                }

                json.WriteEndArray();
                json.WriteString("role"u8, "assistant"u8);
                break;
            case BlockKind.Thinking:
                json.WriteString("type"u8, "reasoning"u8);
                json.WriteStartArray("summary"u8);
                if (done && block.Text.Length > 0)
                {
                    WriteSummaryPart(json, block.Text.Span);
                }

                json.WriteEndArray();
                if (done && block.Signature.Length > 0)
                {
                    // The Anthropic signature travels as encrypted_content and comes back on the next turn.
                    json.WriteString("encrypted_content"u8, block.Signature.Span);
                }

                break;
            case BlockKind.ToolCall when block.IsCustomTool:
                json.WriteString("type"u8, "custom_tool_call"u8);
                json.WriteString("status"u8, done ? "completed"u8 : "in_progress"u8);
                json.WriteString("call_id"u8, block.Id);
                json.WriteString("name"u8, block.Name);
                json.WritePropertyName("input"u8);
                if (done)
                {
                    WriteCustomInput(json, block.Text.Span);
                }
                else
                {
                    json.WriteStringValue(""u8);
                }

                break;
            default:
                json.WriteString("type"u8, "function_call"u8);
                json.WriteString("status"u8, done ? "completed"u8 : "in_progress"u8);
                json.WriteString("arguments"u8, done ? block.Text.Span : default);
                json.WriteString("call_id"u8, block.Id);
                json.WriteString("name"u8, block.Name);
                if (block.Binding?.Namespace is { } ns)
                {
                    json.WriteString("namespace"u8, ns);
                }

                break;
        }

        json.WriteEndObject();
    }

    private static void WriteTextPart(Utf8JsonWriter json, ReadOnlySpan<byte> text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "output_text"u8);
        json.WriteStartArray("annotations"u8);
        json.WriteEndArray();
        json.WriteStartArray("logprobs"u8);
        json.WriteEndArray();
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    private static void WriteSummaryPart(Utf8JsonWriter json, ReadOnlySpan<byte> text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "summary_text"u8);
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }
}
