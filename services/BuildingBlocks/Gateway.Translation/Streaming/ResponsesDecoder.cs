using System.Text.Json;

namespace Gateway.Translation.Streaming;

/// <summary>Upstream OpenAI Responses stream: <c>response.created</c> … <c>response.completed</c>.</summary>
internal sealed class ResponsesDecoder(ClientEncoder sink, ResponseState state) : UpstreamDecoder(sink, state)
{
    private readonly PooledBuffer _custom = new();
    private readonly PooledBuffer _signature = new();
    private ItemKind _item;
    private int _itemDeltas;
    private long _summaryIndex;

    private enum ItemKind : byte
    {
        None,
        Message,
        Function,
        Custom,
        Reasoning,
        Other,
    }

    protected override DecodeStatus DecodeEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data)
    {
        var type = Json.TopLevelType(data);
        if (type.IsEmpty)
        {
            type = eventName;
        }

        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return DecodeStatus.Garbage;
        }

        if (type.SequenceEqual("response.output_text.delta"u8) || type.SequenceEqual("response.refusal.delta"u8))
        {
            if (_item is ItemKind.Message or ItemKind.None)
            {
                Sink.Delta(BlockKind.Text, Member(ref reader, "delta"u8));
            }

            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("response.function_call_arguments.delta"u8))
        {
            var delta = Member(ref reader, "delta"u8);
            if (_item == ItemKind.Function && !delta.IsEmpty)
            {
                _itemDeltas++;
                Sink.Delta(delta);
            }

            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("response.function_call_arguments.done"u8))
        {
            var args = Member(ref reader, "arguments"u8);
            if (_item == ItemKind.Function && _itemDeltas == 0 && !args.IsEmpty)
            {
                _itemDeltas++;
                Sink.Delta(args);
            }

            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("response.custom_tool_call_input.delta"u8))
        {
            _custom.Append(Member(ref reader, "delta"u8));
            _itemDeltas++;
            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("response.custom_tool_call_input.done"u8))
        {
            var input = Member(ref reader, "input"u8);
            if (_itemDeltas == 0)
            {
                _custom.Append(input);
                _itemDeltas++;
            }

            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("response.reasoning_summary_text.delta"u8) || type.SequenceEqual("response.reasoning_text.delta"u8))
        {
            long index = 0;
            ReadOnlySpan<byte> delta = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("summary_index"u8) || reader.ValueTextEquals("content_index"u8))
                {
                    reader.Read();
                    index = Json.Long(ref reader);
                }
                else if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    delta = Json.Str(ref reader, Scratch);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (_item == ItemKind.Reasoning)
            {
                if (index != _summaryIndex && _itemDeltas > 0)
                {
                    Sink.Delta(BlockKind.Thinking, "\n\n"u8);
                }

                _summaryIndex = index;
                _itemDeltas++;
                Sink.Delta(BlockKind.Thinking, delta);
            }

            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("response.output_item.added"u8))
        {
            ReadItem(ref reader, added: true);
            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("response.output_item.done"u8))
        {
            ReadItem(ref reader, added: false);
            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("response.created"u8) || type.SequenceEqual("response.in_progress"u8))
        {
            ReadResponse(ref reader);
            Sink.Start();
            return DecodeStatus.Continue;
        }

        if (type.SequenceEqual("response.completed"u8) || type.SequenceEqual("response.incomplete"u8))
        {
            ReadResponse(ref reader);
            if (type.SequenceEqual("response.incomplete"u8) && State.Finish is FinishReason.None or FinishReason.Stop)
            {
                State.Finish = FinishReason.Length;
            }
            else if (State.Finish == FinishReason.None)
            {
                State.Finish = FinishReason.Stop;
            }

            Sink.End();
            return DecodeStatus.Completed;
        }

        if (type.SequenceEqual("response.failed"u8))
        {
            var error = ReadResponse(ref reader);
            return Fail(error ?? new TranslationError(502, "api_error", "response_failed", "The upstream response failed."));
        }

        if (type.SequenceEqual("error"u8))
        {
            return Fail(ReadTopLevelError(ref reader));
        }

        reader.Skip();
        return DecodeStatus.Continue;
    }

    private ReadOnlySpan<byte> Member(scoped ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        ReadOnlySpan<byte> value = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                value = Json.Str(ref reader, Scratch);
            }
            else
            {
                reader.Skip();
            }
        }

        return value;
    }

    private static TranslationError ReadTopLevelError(ref Utf8JsonReader reader)
    {
        string? code = null, message = null, param = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    return UpstreamErrors.ReadErrorObject(ref reader, 0);
                }

                reader.Skip();
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = Json.String(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                message = Json.String(ref reader);
            }
            else if (reader.ValueTextEquals("param"u8))
            {
                reader.Read();
                param = Json.String(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return UpstreamErrors.Make(0, code, code, message, param);
    }

    /// <summary>Reads a <c>response</c> member: model, status details, usage, error.</summary>
    private TranslationError? ReadResponse(ref Utf8JsonReader reader)
    {
        TranslationError? error = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isResponse = reader.ValueTextEquals("response"u8);
            reader.Read();
            if (!isResponse || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    State.ResponseModel ??= Json.String(ref reader);
                }
                else if (reader.ValueTextEquals("incomplete_details"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        var reason = Member(ref reader, "reason"u8);
                        State.Finish = reason.SequenceEqual("content_filter"u8) ? FinishReason.ContentFilter : FinishReason.Length;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        error = UpstreamErrors.ReadErrorObject(ref reader, 0);
                    }
                    else
                    {
                        reader.Skip();
                    }
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
        }

        return error;
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        State.UsageSeen = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                reader.Read();
                State.Usage.Input = Json.Long(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                reader.Read();
                State.Usage.Output = Json.Long(ref reader);
            }
            else if (reader.ValueTextEquals("input_tokens_details"u8) || reader.ValueTextEquals("output_tokens_details"u8))
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

    private void ReadItem(ref Utf8JsonReader reader, bool added)
    {
        ItemKind kind = ItemKind.None;
        string? callId = null, name = null;
        var argsPresent = false;
        var encryptedPresent = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isItem = reader.ValueTextEquals("item"u8);
            reader.Read();
            if (!isItem || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    kind = reader.ValueTextEquals("message"u8) ? ItemKind.Message
                        : reader.ValueTextEquals("function_call"u8) ? ItemKind.Function
                        : reader.ValueTextEquals("custom_tool_call"u8) ? ItemKind.Custom
                        : reader.ValueTextEquals("reasoning"u8) ? ItemKind.Reasoning : ItemKind.Other;
                }
                else if (reader.ValueTextEquals("call_id"u8))
                {
                    reader.Read();
                    callId = Json.String(ref reader);
                }
                else if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = Json.String(ref reader);
                }
                else if (!added && (reader.ValueTextEquals("arguments"u8) || reader.ValueTextEquals("input"u8)))
                {
                    // The whole argument text, used only when no delta carried it.
                    reader.Read();
                    if (kind is ItemKind.Function or ItemKind.Custom && _itemDeltas == 0 && reader.TokenType == JsonTokenType.String)
                    {
                        argsPresent = true;
                        _custom.Clear();
                        _custom.Append(Json.Str(ref reader, Scratch));
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (!added && reader.ValueTextEquals("encrypted_content"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && kind == ItemKind.Reasoning)
                    {
                        encryptedPresent = true;
                        var signature = Json.Str(ref reader, Scratch);
                        _signature.Clear();
                        _signature.Append(signature);
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

        if (added)
        {
            _item = kind;
            _itemDeltas = 0;
            _summaryIndex = 0;
            _custom.Clear();
            switch (kind)
            {
                case ItemKind.Function or ItemKind.Custom:
                    Sink.BlockStart(BlockKind.ToolCall, callId, name);
                    break;
                case ItemKind.Reasoning:
                    Sink.BlockStart(BlockKind.Thinking);
                    break;
            }

            return;
        }

        switch (_item)
        {
            case ItemKind.Function:
                if (argsPresent && Sink.Open is { Kind: BlockKind.ToolCall })
                {
                    Sink.Delta(_custom.Span);
                }

                Sink.BlockStop();
                break;
            case ItemKind.Custom:
                WriteCustomArguments();
                Sink.BlockStop();
                break;
            case ItemKind.Reasoning:
                if (encryptedPresent)
                {
                    Sink.Signature(_signature.Span);
                }

                Sink.BlockStop();
                break;
            case ItemKind.Message:
                if (Sink.Open is { Kind: BlockKind.Text })
                {
                    Sink.BlockStop();
                }

                break;
        }

        _item = ItemKind.None;
        _custom.Clear();
    }

    /// <summary>A custom tool call's raw input becomes the canonical arguments <c>{"input": "…"}</c>.</summary>
    private void WriteCustomArguments()
    {
        if (Sink.Open is not { Kind: BlockKind.ToolCall })
        {
            return;
        }

        using var json = new PooledBuffer();
        using (var writer = new Utf8JsonWriter(json, SseWriter.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("input"u8, _custom.Span);
            writer.WriteEndObject();
        }

        Sink.Delta(json.Span);
    }

    public override void Dispose()
    {
        _custom.Dispose();
        _signature.Dispose();
        base.Dispose();
    }
}
