using System.Text.Json;

namespace Gateway.Translation.Streaming;

/// <summary>Upstream OpenAI Chat Completions stream: <c>chat.completion.chunk</c> data events, <c>[DONE]</c>.</summary>
internal sealed class ChatDecoder(ClientEncoder sink, ResponseState state) : UpstreamDecoder(sink, state)
{
    private int _toolIndex = -1;
    private string? _toolId;
    private bool _garbage;

    protected override DecodeStatus DecodeEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        if (data.Trim(" \t"u8).SequenceEqual("[DONE]"u8))
        {
            Sink.End();
            return DecodeStatus.Completed;
        }

        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return DecodeStatus.Garbage;
        }

        var started = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    return Fail(UpstreamErrors.ReadErrorObject(ref reader, 0));
                }

                reader.Skip();
                continue;
            }

            if (!started)
            {
                Sink.Start();
                started = true;
            }

            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                if (State.ResponseModel is null)
                {
                    // Read once: every chunk repeats it.
                    State.ResponseModel = Json.String(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadChoice(ref reader);
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadUsage(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return _garbage ? DecodeStatus.Garbage : DecodeStatus.Continue;
    }

    private void ReadChoice(ref Utf8JsonReader reader)
    {
        var other = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                // n > 1 is not translated: only the first choice is relayed.
                reader.Read();
                other = Json.Long(ref reader) != 0;
            }
            else if (other)
            {
                reader.Read();
                reader.Skip();
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadDelta(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    State.Finish = Json.Finish(reader.ValueSpan);
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadDelta(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("refusal"u8))
            {
                reader.Read();
                Sink.Delta(BlockKind.Text, Json.Str(ref reader, Scratch));
            }
            else if (reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8))
            {
                reader.Read();
                Sink.Delta(BlockKind.Thinking, Json.Str(ref reader, Scratch));
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadToolCall(ref reader);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadToolCall(ref Utf8JsonReader reader)
    {
        long index = -1;
        string? id = null;
        string? name = null;
        ReadOnlySpan<byte> args = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                index = Json.Long(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = Json.String(ref reader);
            }
            else if (reader.ValueTextEquals("function"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("name"u8))
                    {
                        reader.Read();
                        name = Json.String(ref reader);
                    }
                    else if (reader.ValueTextEquals("arguments"u8))
                    {
                        reader.Read();
                        args = Json.Str(ref reader, Scratch);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (index < 0)
        {
            index = Math.Max(_toolIndex, 0);
        }

        var open = Sink.Open;
        var sameCall = index == _toolIndex && (id is null || id == _toolId);
        if (sameCall && open is { Kind: BlockKind.ToolCall })
        {
            Sink.Delta(args);
        }
        else if (!sameCall && (index > _toolIndex || (index == _toolIndex && id is not null)))
        {
            Sink.BlockStart(BlockKind.ToolCall, id, name);
            _toolIndex = (int)index;
            _toolId = id;
            Sink.Delta(args);
        }
        else
        {
            // Fragments for a call that is already closed (interleaved calls) cannot be relayed in order.
            _garbage = true;
        }
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        State.UsageSeen = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                reader.Read();
                State.Usage.Input = Json.Long(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                reader.Read();
                State.Usage.Output = Json.Long(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_cache_hit_tokens"u8))
            {
                reader.Read();
                State.Usage.CachedInput = Json.Long(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("cached_tokens"u8))
                    {
                        reader.Read();
                        State.Usage.CachedInput = Json.Long(ref reader);
                    }
                    else if (reader.ValueTextEquals("cache_write_tokens"u8) || reader.ValueTextEquals("cache_creation_tokens"u8))
                    {
                        reader.Read();
                        State.Usage.CacheWrite = Json.Long(ref reader);
                    }
                    else if (reader.ValueTextEquals("reasoning_tokens"u8))
                    {
                        reader.Read();
                        State.Usage.Reasoning = Json.Long(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }
}
