using System.Text.Json;

namespace Gateway.Translation.Streaming;

/// <summary>Upstream Anthropic Messages stream: <c>message_start</c> … <c>message_stop</c>.</summary>
internal sealed class AnthropicDecoder(ClientEncoder sink, ResponseState state) : UpstreamDecoder(sink, state)
{
    private long _input;
    private long _cacheRead;
    private long _cacheWrite;
    private bool _skippingBlock;

    protected override DecodeStatus DecodeEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        var type = eventName.IsEmpty ? Json.TopLevelType(data) : eventName;
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return DecodeStatus.Garbage;
        }

        if (type.SequenceEqual("content_block_delta"u8))
        {
            return ForMember(ref reader, "delta"u8, static (d, ref r) => d.ReadDelta(ref r));
        }

        if (type.SequenceEqual("content_block_start"u8))
        {
            return ForMember(ref reader, "content_block"u8, static (d, ref r) => d.ReadBlockStart(ref r));
        }

        if (type.SequenceEqual("content_block_stop"u8))
        {
            Skip(ref reader);
            if (_skippingBlock)
            {
                _skippingBlock = false;
            }
            else
            {
                Sink.BlockStop();
            }

            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("message_start"u8))
        {
            return ForMember(ref reader, "message"u8, static (d, ref r) => d.ReadMessage(ref r));
        }

        if (type.SequenceEqual("message_delta"u8))
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("stop_reason"u8))
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
                        else if (reader.ValueTextEquals("stop_sequence"u8))
                        {
                            reader.Read();
                            State.StopSequence = Json.String(ref reader);
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    State.UsageSeen |= reader.TokenType == JsonTokenType.StartObject;
                    ReadUsage(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("message_stop"u8))
        {
            Skip(ref reader);
            Sink.End();
            return DecodeStatus.Completed;
        }

        if (type.SequenceEqual("error"u8))
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isError && reader.TokenType == JsonTokenType.StartObject)
                {
                    return Fail(UpstreamErrors.ReadErrorObject(ref reader, 0));
                }

                reader.Skip();
            }

            return Fail(new TranslationError(502, "api_error", "api_error", "The upstream stream reported an error."));
        }

        // ping and event types added later: nothing to relay.
        Skip(ref reader);
        return DecodeStatus.Continue;
    }

    private delegate void MemberReader(AnthropicDecoder decoder, ref Utf8JsonReader reader);

    private DecodeStatus ForMember(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, MemberReader read)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match && reader.TokenType == JsonTokenType.StartObject)
            {
                read(this, ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return DecodeStatus.Continue;
    }

    private static void Skip(ref Utf8JsonReader reader) => reader.Skip();

    private void ReadMessage(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                State.ResponseModel ??= Json.String(ref reader);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                ReadUsage(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        Sink.Start();
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                reader.Read();
                _input = Json.Long(ref reader);
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                reader.Read();
                _cacheRead = Json.Long(ref reader);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                reader.Read();
                _cacheWrite = Json.Long(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                reader.Read();
                State.Usage.Output = Json.Long(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        State.Usage.Input = _input + _cacheRead + _cacheWrite;
        State.Usage.CachedInput = _cacheRead;
        State.Usage.CacheWrite = _cacheWrite;
    }

    private void ReadBlockStart(ref Utf8JsonReader reader)
    {
        string? type = null, id = null, name = null, text = null, signature = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = Json.String(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = Json.String(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = Json.String(ref reader);
            }
            else if (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                text = Json.String(ref reader);
            }
            else if (reader.ValueTextEquals("signature"u8))
            {
                reader.Read();
                signature = Json.String(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        _skippingBlock = false;
        switch (type)
        {
            case "text":
                Sink.BlockStart(BlockKind.Text);
                Sink.Delta(System.Text.Encoding.UTF8.GetBytes(text ?? ""));
                break;
            case "thinking":
                Sink.BlockStart(BlockKind.Thinking);
                Sink.Delta(System.Text.Encoding.UTF8.GetBytes(text ?? ""));
                Sink.Signature(System.Text.Encoding.UTF8.GetBytes(signature ?? ""));
                break;
            case "redacted_thinking":
                Sink.BlockStart(BlockKind.RedactedThinking);
                Sink.Delta(System.Text.Encoding.UTF8.GetBytes(text ?? ""));
                break;
            case "tool_use":
                Sink.BlockStart(BlockKind.ToolCall, id, name);
                break;
            default:
                // Server tool blocks (server_tool_use, web_search_tool_result, …) have no equivalent on other wires.
                _skippingBlock = true;
                break;
        }
    }

    private void ReadDelta(ref Utf8JsonReader reader)
    {
        var kind = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                kind = reader.ValueTextEquals("text_delta"u8) ? 1
                    : reader.ValueTextEquals("thinking_delta"u8) ? 2
                    : reader.ValueTextEquals("signature_delta"u8) ? 3
                    : reader.ValueTextEquals("input_json_delta"u8) ? 4 : 0;
                continue;
            }

            var member = reader.ValueTextEquals("text"u8) ? 1
                : reader.ValueTextEquals("thinking"u8) ? 2
                : reader.ValueTextEquals("signature"u8) ? 3
                : reader.ValueTextEquals("partial_json"u8) ? 4 : 0;
            reader.Read();
            if (member == 0 || _skippingBlock || (kind != 0 && kind != member))
            {
                reader.Skip();
                continue;
            }

            var value = Json.Str(ref reader, Scratch);
            switch (member)
            {
                case 1:
                    Sink.Delta(BlockKind.Text, value);
                    break;
                case 2:
                    Sink.Delta(BlockKind.Thinking, value);
                    break;
                case 3:
                    Sink.Signature(value);
                    break;
                default:
                    if (Sink.Open is { Kind: BlockKind.ToolCall })
                    {
                        Sink.Delta(value);
                    }

                    break;
            }
        }
    }
}
