using System.Text.Json;
using System.Text.Unicode;
using Gateway.Ingress.Errors;

namespace Gateway.Ingress.Chat;

/// <summary>Which surface's body a <see cref="ChatRequestReader"/> pass reads.</summary>
internal enum RequestShape : byte
{
    /// <summary>model, messages (array), stream, stream_options, max_tokens/max_completion_tokens, user.</summary>
    ChatCompletions,

    /// <summary>model, messages (non-empty array), max_tokens (required, ≥ 1), stream.</summary>
    AnthropicMessages,

    /// <summary>model, messages (non-empty array).</summary>
    AnthropicCountTokens,

    /// <summary>model, input (required, not null).</summary>
    Embeddings,

    /// <summary>model, input (string or array of items), stream, max_output_tokens, user.</summary>
    Responses,

    /// <summary>model, prompt (required string); <c>stream: true</c> is refused (partial images are not relayed).</summary>
    Images,
}

/// <summary>
/// Reads just enough of a chat-completions body with one <see cref="Utf8JsonReader"/> pass: model, stream,
/// stream_options.include_usage, max_tokens / max_completion_tokens, user, and checks that messages is an array.
/// The whole body is validated as JSON on the way. Fields the gateway interprets must appear once: a body with two
/// <c>model</c> keys could otherwise be authorised for one model and served by another.
/// </summary>
internal static class ChatRequestReader
{
    public const int MaxModelLength = 256;

    public static bool TryRead(ReadOnlySpan<byte> body, out ChatRequest request, out ApiError error) =>
        TryRead(body, RequestShape.ChatCompletions, out request, out error);

    /// <summary>Reads a body of the given surface's shape (which fields are interpreted and required differs; every
    /// other field passes through untouched).</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, RequestShape shape, out ChatRequest request, out ApiError error)
    {
        request = default;
        request.ModelLength = -1;
        request.StreamOptionsLength = -1;
        request.IncludeUsageLength = -1;
        error = default;

        if (body.IsEmpty)
        {
            error = ApiErrors.EmptyBody();
            return false;
        }

        // Utf8JsonReader does not validate UTF-8 inside strings it skips; JSON must be UTF-8 (RFC 8259).
        if (!Utf8.IsValid(body))
        {
            error = ApiErrors.InvalidJson();
            return false;
        }

        try
        {
            return TryReadCore(body, shape, ref request, out error);
        }
        catch (JsonException)
        {
            // Utf8JsonReader reports malformed input by throwing; this happens once per bad request, never per chunk.
            request = default;
            error = ApiErrors.InvalidJson();
            return false;
        }
    }

    private static bool TryReadCore(ReadOnlySpan<byte> body, RequestShape shape, ref ChatRequest request, out ApiError error)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = ApiErrors.InvalidJson();
            return false;
        }

        bool seenModel = false, seenMessages = false, seenStream = false, seenStreamOptions = false;
        bool seenMaxTokens = false, seenMaxCompletionTokens = false, seenUser = false, seenInput = false;
        bool seenPrompt = false, seenTools = false, seenToolChoice = false;
        var chat = shape == RequestShape.ChatCompletions;
        var responses = shape == RequestShape.Responses;
        var anthropic = shape is RequestShape.AnthropicMessages or RequestShape.AnthropicCountTokens;
        var hasMessages = chat || anthropic;
        var hasTools = hasMessages || responses;
        var hasStream = shape is RequestShape.ChatCompletions or RequestShape.AnthropicMessages or RequestShape.Responses
            or RequestShape.Images;
        long? maxTokens = null, maxCompletionTokens = null;

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                request.ObjectEnd = (int)reader.TokenStartIndex;
                break;
            }

            // At depth 1 every token here is a property name.
            if (reader.ValueTextEquals("model"u8))
            {
                if (!MarkSeen(ref seenModel, "model", out error))
                {
                    return false;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                    error = reader.TokenType == JsonTokenType.Null
                        ? ApiErrors.MissingParameter("model")
                        : ApiErrors.InvalidType("model", "a string");
                    return false;
                }

                var length = reader.ValueSpan.Length; // raw (possibly escaped) bytes
                if (length == 0)
                {
                    error = ApiErrors.InvalidValue("model", "'model' must not be empty.");
                    return false;
                }

                if (length > MaxModelLength * 6)
                {
                    error = ApiErrors.InvalidValue("model", "'model' is too long.");
                    return false;
                }

                request.Model = reader.GetString()!;
                if (request.Model.Length > MaxModelLength)
                {
                    error = ApiErrors.InvalidValue("model", "'model' is too long.");
                    return false;
                }

                request.ModelStart = (int)reader.TokenStartIndex;
                request.ModelLength = (int)reader.BytesConsumed - request.ModelStart;
            }
            else if (hasMessages && reader.ValueTextEquals("messages"u8))
            {
                if (!MarkSeen(ref seenMessages, "messages", out error))
                {
                    return false;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    var isNull = reader.TokenType == JsonTokenType.Null;
                    reader.Skip();
                    error = isNull ? ApiErrors.MissingParameter("messages") : ApiErrors.InvalidType("messages", "an array");
                    return false;
                }

                var arrayStart = (int)reader.TokenStartIndex;
                ScanHistory(ref reader, "messages", ref request);
                if (anthropic && body[(arrayStart + 1)..((int)reader.BytesConsumed - 1)].Trim(" \t\r\n"u8).IsEmpty)
                {
                    error = ApiErrors.InvalidValue("messages", "'messages' must contain at least one message.");
                    return false;
                }
            }
            else if (responses && reader.ValueTextEquals("input"u8))
            {
                if (!MarkSeen(ref seenInput, "input", out error))
                {
                    return false;
                }

                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    ScanHistory(ref reader, "input", ref request);
                }
                else if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    reader.Skip();
                    error = ApiErrors.InvalidType("input", "a string or an array");
                    return false;
                }
            }
            else if (shape == RequestShape.Images && reader.ValueTextEquals("prompt"u8))
            {
                if (!MarkSeen(ref seenPrompt, "prompt", out error))
                {
                    return false;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    var isNull = reader.TokenType == JsonTokenType.Null;
                    reader.Skip();
                    error = isNull ? ApiErrors.MissingParameter("prompt") : ApiErrors.InvalidType("prompt", "a string");
                    return false;
                }
            }
            else if (hasTools && (reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8)))
            {
                var param = reader.ValueTextEquals("tools"u8) ? "tools" : "functions";
                if (!MarkSeen(ref seenTools, param, out error))
                {
                    return false;
                }

                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.EndArray)
                    {
                        reader.Skip();
                        MarkTools(ref request, param);
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (hasTools && (reader.ValueTextEquals("response_format"u8) || reader.ValueTextEquals("output_format"u8)))
            {
                var param = reader.ValueTextEquals("response_format"u8) ? "response_format" : "output_format";
                reader.Read();
                if (FormatIsJson(ref reader))
                {
                    request.UsesJson = true;
                    request.JsonParam = param;
                }
            }
            else if (responses && reader.ValueTextEquals("text"u8))
            {
                // Responses: text.format is the structured-output setting.
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var isFormat = reader.ValueTextEquals("format"u8);
                    reader.Read();
                    if (isFormat && FormatIsJson(ref reader))
                    {
                        request.UsesJson = true;
                        request.JsonParam = "text.format";
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else if (hasTools && reader.ValueTextEquals("tool_choice"u8))
            {
                if (!MarkSeen(ref seenToolChoice, "tool_choice", out error))
                {
                    return false;
                }

                reader.Read();
                if (ToolChoiceAsksForTools(ref reader))
                {
                    MarkTools(ref request, "tool_choice");
                }
            }
            else if (shape == RequestShape.Embeddings && reader.ValueTextEquals("input"u8))
            {
                if (!MarkSeen(ref seenInput, "input", out error))
                {
                    return false;
                }

                reader.Read();
                var isNull = reader.TokenType == JsonTokenType.Null;
                reader.Skip();
                if (isNull)
                {
                    error = ApiErrors.MissingParameter("input");
                    return false;
                }
            }
            else if (hasStream && reader.ValueTextEquals("stream"u8))
            {
                if (!MarkSeen(ref seenStream, "stream", out error))
                {
                    return false;
                }

                reader.Read();
                switch (reader.TokenType)
                {
                    case JsonTokenType.True:
                        request.Stream = true;
                        break;
                    case JsonTokenType.False:
                    case JsonTokenType.Null:
                        request.Stream = false;
                        break;
                    default:
                        reader.Skip();
                        error = ApiErrors.InvalidType("stream", "a boolean");
                        return false;
                }
            }
            else if (chat && reader.ValueTextEquals("stream_options"u8))
            {
                if (!MarkSeen(ref seenStreamOptions, "stream_options", out error))
                {
                    return false;
                }

                reader.Read();
                if (!ReadStreamOptions(ref reader, ref request, out error))
                {
                    return false;
                }
            }
            else if ((chat || shape == RequestShape.AnthropicMessages) && reader.ValueTextEquals("max_tokens"u8))
            {
                if (!MarkSeen(ref seenMaxTokens, "max_tokens", out error)
                    || !ReadOptionalInteger(ref reader, "max_tokens", out maxTokens, out error))
                {
                    return false;
                }
            }
            else if (responses && reader.ValueTextEquals("max_output_tokens"u8))
            {
                if (!MarkSeen(ref seenMaxTokens, "max_output_tokens", out error)
                    || !ReadOptionalInteger(ref reader, "max_output_tokens", out maxTokens, out error))
                {
                    return false;
                }
            }
            else if (chat && reader.ValueTextEquals("max_completion_tokens"u8))
            {
                if (!MarkSeen(ref seenMaxCompletionTokens, "max_completion_tokens", out error)
                    || !ReadOptionalInteger(ref reader, "max_completion_tokens", out maxCompletionTokens, out error))
                {
                    return false;
                }
            }
            else if ((chat || responses || shape == RequestShape.Images) && reader.ValueTextEquals("user"u8))
            {
                if (!MarkSeen(ref seenUser, "user", out error))
                {
                    return false;
                }

                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    request.User = reader.GetString();
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    reader.Skip();
                    error = ApiErrors.InvalidType("user", "a string");
                    return false;
                }
            }
            else
            {
                // Any other field passes through untouched; Skip still validates it.
                reader.Read();
                reader.Skip();
            }
        }

        // Nothing may follow the top-level object (Read throws on trailing garbage).
        if (reader.Read())
        {
            error = ApiErrors.InvalidJson();
            return false;
        }

        if (!seenModel)
        {
            error = ApiErrors.MissingParameter("model");
            return false;
        }

        if (hasMessages && !seenMessages)
        {
            error = ApiErrors.MissingParameter("messages");
            return false;
        }

        if (shape == RequestShape.Embeddings && !seenInput)
        {
            error = ApiErrors.MissingParameter("input");
            return false;
        }

        if (shape == RequestShape.Images)
        {
            if (!seenPrompt)
            {
                error = ApiErrors.MissingParameter("prompt");
                return false;
            }

            if (request.Stream)
            {
                error = ApiErrors.InvalidValue("stream", "Streaming image generation is not supported by the gateway; omit 'stream'.");
                return false;
            }
        }

        if (shape == RequestShape.AnthropicMessages)
        {
            if (maxTokens is null)
            {
                error = ApiErrors.MissingParameter("max_tokens");
                return false;
            }

            if (maxTokens < 1)
            {
                error = ApiErrors.InvalidValue("max_tokens", "'max_tokens' must be at least 1.");
                return false;
            }
        }

        request.MaxTokens = maxCompletionTokens ?? maxTokens;
        error = default;
        return true;
    }

    /// <summary>A format object whose <c>type</c> is a JSON one (<c>json_object</c>, <c>json_schema</c>, ...), not
    /// <c>text</c>. The reader is on the value and ends on its last token.</summary>
    private static bool FormatIsJson(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var json = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                json = reader.ValueSpan.StartsWith("json"u8);
            }
            else
            {
                reader.Skip();
            }
        }

        return json;
    }

    private static void MarkTools(ref ChatRequest request, string param)
    {
        if (!request.UsesTools)
        {
            request.UsesTools = true;
            request.ToolsParam = param;
        }
    }

    /// <summary><c>tool_choice</c> other than null, <c>"none"</c> or <c>{"type":"none"}</c>. The reader is on the value
    /// and ends on its last token.</summary>
    private static bool ToolChoiceAsksForTools(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return false;
            case JsonTokenType.String:
                return !reader.ValueTextEquals("none"u8);
            case JsonTokenType.StartObject:
                var none = false;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var isType = reader.ValueTextEquals("type"u8);
                    reader.Read();
                    if (isType && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("none"u8))
                    {
                        none = true;
                    }

                    reader.Skip();
                }

                return !none;
            default:
                reader.Skip();
                return true;
        }
    }

    /// <summary>
    /// Walks a conversation (<c>messages</c> or Responses <c>input</c>; the reader is on its StartArray and ends on its
    /// EndArray) for what the capability checks need, without allocating: image parts (<c>image_url</c>, <c>image</c>,
    /// <c>input_image</c>) and tool history (a <c>tool</c>/<c>function</c> role, non-empty <c>tool_calls</c>, a
    /// <c>function_call</c>, and parts or items of tool types). Every <c>type</c> value at any depth counts, so an
    /// image inside a tool result is found too.
    /// </summary>
    private static void ScanHistory(ref Utf8JsonReader reader, string param, ref ChatRequest request)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.ValueTextEquals("image_url"u8) || reader.ValueTextEquals("image"u8) || reader.ValueTextEquals("input_image"u8))
                {
                    if (!request.UsesImages)
                    {
                        request.UsesImages = true;
                        request.ImagesParam = param;
                    }
                }
                else if (reader.ValueTextEquals("tool_use"u8) || reader.ValueTextEquals("tool_result"u8)
                    || reader.ValueTextEquals("function_call"u8) || reader.ValueTextEquals("function_call_output"u8)
                    || reader.ValueTextEquals("custom_tool_call"u8) || reader.ValueTextEquals("custom_tool_call_output"u8)
                    || reader.ValueTextEquals("additional_tools"u8))
                {
                    MarkTools(ref request, param);
                }
            }
            else if (reader.ValueTextEquals("role"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("tool"u8) || reader.ValueTextEquals("function"u8)))
                {
                    MarkTools(ref request, param);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8) || reader.ValueTextEquals("function_call"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    MarkTools(ref request, param);
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.EndArray)
                    {
                        MarkTools(ref request, param);
                    }
                }
            }
        }
    }

    private static bool ReadStreamOptions(ref Utf8JsonReader reader, ref ChatRequest request, out ApiError error)
    {
        error = default;
        request.StreamOptionsStart = (int)reader.TokenStartIndex;
        if (reader.TokenType == JsonTokenType.Null)
        {
            request.StreamOptionsIsNull = true;
            request.StreamOptionsLength = (int)reader.BytesConsumed - request.StreamOptionsStart;
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            error = ApiErrors.InvalidType("stream_options", "an object");
            return false;
        }

        var seenIncludeUsage = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("include_usage"u8))
            {
                if (!MarkSeen(ref seenIncludeUsage, "stream_options.include_usage", out error))
                {
                    return false;
                }

                reader.Read();
                switch (reader.TokenType)
                {
                    case JsonTokenType.True:
                        request.ClientIncludeUsage = true;
                        break;
                    case JsonTokenType.False:
                    case JsonTokenType.Null:
                        break;
                    default:
                        reader.Skip();
                        error = ApiErrors.InvalidType("stream_options.include_usage", "a boolean");
                        return false;
                }

                request.IncludeUsageStart = (int)reader.TokenStartIndex;
                request.IncludeUsageLength = (int)reader.BytesConsumed - request.IncludeUsageStart;
            }
            else
            {
                request.StreamOptionsHasOtherProperties = true;
                reader.Read();
                reader.Skip();
            }
        }

        request.StreamOptionsLength = (int)reader.BytesConsumed - request.StreamOptionsStart;
        return true;
    }

    private static bool ReadOptionalInteger(ref Utf8JsonReader reader, string param, out long? value, out ApiError error)
    {
        error = default;
        value = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var number))
        {
            reader.Skip();
            error = ApiErrors.InvalidType(param, "an integer");
            return false;
        }

        if (number < 0)
        {
            error = ApiErrors.InvalidValue(param, $"'{param}' must not be negative.");
            return false;
        }

        value = number;
        return true;
    }

    private static bool MarkSeen(ref bool seen, string param, out ApiError error)
    {
        if (seen)
        {
            error = ApiErrors.DuplicateParameter(param);
            return false;
        }

        seen = true;
        error = default;
        return true;
    }
}
