using System.Text.Json;

namespace Gateway.Translation.Streaming;

/// <summary>Client wire OpenAI Chat Completions: <c>chat.completion.chunk</c> events and <c>[DONE]</c>, or one
/// <c>chat.completion</c>.</summary>
internal sealed class ChatEncoder(TranslationContext context, ResponseState state, SseWriter sse)
    : ClientEncoder(context, state, sse, keepText: !context.ClientStream)
{
    private readonly string _id = "chatcmpl-" + context.RequestId;

    private Utf8JsonWriter BeginChunk(bool emptyChoices = false)
    {
        var json = Sse.Begin(default);
        json.WriteStartObject();
        json.WriteString("id"u8, _id);
        json.WriteString("object"u8, "chat.completion.chunk"u8);
        json.WriteNumber("created"u8, Context.CreatedUnixSeconds);
        json.WriteString("model"u8, Context.ClientModel);
        json.WriteStartArray("choices"u8);
        if (!emptyChoices)
        {
            json.WriteStartObject();
            json.WriteNumber("index"u8, 0);
            json.WriteStartObject("delta"u8);
        }

        return json;
    }

    private void EndChunk(Utf8JsonWriter json, string? finish = null)
    {
        json.WriteEndObject();
        json.WriteNull("logprobs"u8);
        if (finish is null)
        {
            json.WriteNull("finish_reason"u8);
        }
        else
        {
            json.WriteString("finish_reason"u8, finish);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        if (Context.IncludeUsage)
        {
            json.WriteNull("usage"u8);
        }

        json.WriteEndObject();
        Sse.End();
    }

    protected override void OnStart()
    {
        var json = BeginChunk();
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("content"u8, ""u8);
        EndChunk(json);
    }

    protected override void OnBlockStart(Block block)
    {
        if (block.Kind != BlockKind.ToolCall)
        {
            return;
        }

        var json = BeginChunk();
        json.WriteStartArray("tool_calls"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, block.ToolIndex);
        json.WriteString("id"u8, block.Id);
        json.WriteString("type"u8, "function"u8);
        json.WriteStartObject("function"u8);
        json.WriteString("name"u8, block.Name);
        json.WriteString("arguments"u8, ""u8);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        EndChunk(json);
    }

    protected override void OnDelta(Block block, ReadOnlySpan<byte> utf8)
    {
        switch (block.Kind)
        {
            case BlockKind.Text:
            {
                var json = BeginChunk();
                json.WriteString("content"u8, utf8);
                EndChunk(json);
                break;
            }
            case BlockKind.Thinking:
            {
                var json = BeginChunk();
                json.WriteString("reasoning_content"u8, utf8);
                EndChunk(json);
                break;
            }
            case BlockKind.ToolCall:
            {
                var json = BeginChunk();
                json.WriteStartArray("tool_calls"u8);
                json.WriteStartObject();
                json.WriteNumber("index"u8, block.ToolIndex);
                json.WriteStartObject("function"u8);
                json.WriteString("arguments"u8, utf8);
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndArray();
                EndChunk(json);
                break;
            }
        }
    }

    protected override void OnBlockStop(Block block)
    {
    }

    protected override void OnEnd()
    {
        var json = BeginChunk();
        EndChunk(json, FinishReasonText());
        if (Context.IncludeUsage && State.UsageSeen)
        {
            json = BeginChunk(emptyChoices: true);
            json.WriteEndArray();
            json.WritePropertyName("usage"u8);
            WriteUsage(json);
            json.WriteEndObject();
            Sse.End();
        }

        Sse.RawEvent("data: [DONE]\n\n"u8);
    }

    public override void WriteError(in TranslationError error)
    {
        var json = Sse.Begin(default);
        json.WriteStartObject();
        json.WriteStartObject("error"u8);
        json.WriteString("message"u8, error.Message);
        json.WriteString("type"u8, error.Type);
        if (error.Param is null)
        {
            json.WriteNull("param"u8);
        }
        else
        {
            json.WriteString("param"u8, error.Param);
        }

        json.WriteString("code"u8, error.Code);
        json.WriteEndObject();
        json.WriteEndObject();
        Sse.End();
    }

    private string FinishReasonText() => State.Finish switch
    {
        FinishReason.Length => "length",
        FinishReason.ContentFilter => "content_filter",
        _ when State.ToolCalls > 0 => "tool_calls",
        FinishReason.ToolUse => "tool_calls",
        _ => "stop",
    };

    private void WriteUsage(Utf8JsonWriter json)
    {
        var u = State.Usage;
        json.WriteStartObject();
        json.WriteNumber("prompt_tokens"u8, u.Input);
        json.WriteNumber("completion_tokens"u8, u.Output);
        json.WriteNumber("total_tokens"u8, u.Input + u.Output);
        json.WriteStartObject("prompt_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, u.CachedInput);
        json.WriteEndObject();
        json.WriteStartObject("completion_tokens_details"u8);
        json.WriteNumber("reasoning_tokens"u8, u.Reasoning);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public override void WriteBody(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id"u8, _id);
        json.WriteString("object"u8, "chat.completion"u8);
        json.WriteNumber("created"u8, Context.CreatedUnixSeconds);
        json.WriteString("model"u8, Context.ClientModel);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WritePropertyName("content"u8);
        if (HasKind(BlockKind.Text) || State.ToolCalls == 0)
        {
            WriteJoined(json, BlockKind.Text);
        }
        else
        {
            json.WriteNullValue();
        }

        if (HasKind(BlockKind.Thinking))
        {
            json.WritePropertyName("reasoning_content"u8);
            WriteJoined(json, BlockKind.Thinking);
        }

        json.WriteNull("refusal"u8);
        if (State.ToolCalls > 0)
        {
            json.WriteStartArray("tool_calls"u8);
            foreach (var b in State.Blocks)
            {
                if (b.Kind != BlockKind.ToolCall)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("id"u8, b.Id);
                json.WriteString("type"u8, "function"u8);
                json.WriteStartObject("function"u8);
                json.WriteString("name"u8, b.Name);
                json.WriteString("arguments"u8, b.Text.Length == 0 ? "{}"u8 : b.Text.Span);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteNull("logprobs"u8);
        json.WriteString("finish_reason"u8, FinishReasonText());
        json.WriteEndObject();
        json.WriteEndArray();
        json.WritePropertyName("usage"u8);
        WriteUsage(json);
        json.WriteEndObject();
    }
}
