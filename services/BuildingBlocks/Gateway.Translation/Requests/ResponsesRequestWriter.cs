using System.Text.Json;

namespace Gateway.Translation.Requests;

/// <summary>
/// Writes the canonical request as an OpenAI Responses body (<c>store: false</c>: the gateway re-sends history itself).
/// Choices this wire forces:
/// <list type="bullet">
/// <item>The system prompt and mid-conversation system messages are <c>developer</c> message items at their position.</item>
/// <item>Thinking parts are dropped (an Anthropic signature is no OpenAI encrypted reasoning).</item>
/// <item>Stop sequences are dropped: Responses has no such parameter. <c>max_output_tokens</c> is at least 16 (OpenAI's floor).</item>
/// <item>Tool results are <c>function_call_output</c> items (an error result prefixed <c>"Error: "</c>); a result with
/// images gets an array output of input_text/input_image parts.</item>
/// <item>Tools are written with an explicit <c>strict</c> (false unless the client asked): Responses defaults to strict,
/// which most client schemas do not satisfy.</item>
/// </list>
/// </summary>
internal static class ResponsesRequestWriter
{
    private const int MinMaxOutputTokens = 16;

    public static void Write(CanonicalRequest request, string model, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("model"u8, model);
        writer.WriteStartArray("input"u8);
        if (request.System.Count > 0)
        {
            WriteMessageItem(writer, "developer", request.System);
        }

        foreach (var message in request.Messages)
        {
            WriteItems(writer, message);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("stream"u8, true);
        writer.WriteBoolean("store"u8, false);

        if (request.MaxTokens is { } maxTokens)
        {
            // OpenAI rejects max_output_tokens under 16.
            writer.WriteNumber("max_output_tokens"u8, Math.Max(maxTokens, MinMaxOutputTokens));
        }

        if (request.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (request.TopP is { } topP)
        {
            writer.WriteNumber("top_p"u8, topP);
        }

        WriteTools(request, writer);
        WriteTextFormat(request.ResponseFormat, writer);
        if (RequestTranslator.EffectiveEffort(request) is { } effort)
        {
            writer.WriteStartObject("reasoning"u8);
            writer.WriteString("effort"u8, effort);
            writer.WriteEndObject();
        }

        if (request.User is { Length: > 0 and <= 64 } user)
        {
            writer.WriteString("user"u8, user);
        }

        writer.WriteEndObject();
    }

    private static void WriteMessageItem<T>(Utf8JsonWriter writer, string role, IReadOnlyList<T> parts)
        where T : ContentPart
    {
        var assistant = role == "assistant";
        writer.WriteStartObject();
        writer.WriteString("type"u8, "message");
        writer.WriteString("role"u8, role);
        writer.WriteStartArray("content"u8);
        foreach (var part in parts)
        {
            WritePart(writer, part, assistant);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WritePart(Utf8JsonWriter writer, ContentPart part, bool assistant)
    {
        switch (part)
        {
            case TextPart text:
                writer.WriteStartObject();
                writer.WriteString("type"u8, assistant ? "output_text" : "input_text");
                writer.WriteString("text"u8, text.Text);
                writer.WriteEndObject();
                break;
            case ImagePart image:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "input_image");
                writer.WriteString("image_url"u8, image.ToUrl());
                writer.WriteString("detail"u8, image.Detail ?? "auto");
                writer.WriteEndObject();
                break;
        }
    }

    private static void WriteItems(Utf8JsonWriter writer, CanonicalMessage message)
    {
        switch (message.Role)
        {
            case MessageRole.System:
                WriteMessageItem(writer, "developer", message.Parts);
                break;
            case MessageRole.User:
                WriteMessageItem(writer, "user", message.Parts);
                break;
            case MessageRole.Assistant:
                // Text runs become assistant message items, each tool call a function_call item, in order.
                var texts = new List<ContentPart>();
                foreach (var part in message.Parts)
                {
                    if (part is TextPart)
                    {
                        texts.Add(part);
                    }
                    else if (part is ToolCallPart call)
                    {
                        FlushTexts(writer, texts);
                        writer.WriteStartObject();
                        writer.WriteString("type"u8, "function_call");
                        writer.WriteString("call_id"u8, call.Id);
                        writer.WriteString("name"u8, call.UpstreamName);
                        writer.WriteString("arguments"u8, call.Arguments);
                        writer.WriteEndObject();
                    }
                }

                FlushTexts(writer, texts);
                break;
            case MessageRole.Tool:
                foreach (var part in message.Parts)
                {
                    if (part is ToolResultPart result)
                    {
                        WriteOutput(writer, result);
                    }
                }

                break;
        }
    }

    private static void FlushTexts(Utf8JsonWriter writer, List<ContentPart> texts)
    {
        if (texts.Count > 0)
        {
            WriteMessageItem(writer, "assistant", texts);
            texts.Clear();
        }
    }

    private static void WriteOutput(Utf8JsonWriter writer, ToolResultPart result)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "function_call_output");
        writer.WriteString("call_id"u8, result.CallId);
        if (!result.Content.Any(static c => c is ImagePart))
        {
            writer.WriteString("output"u8, result.IsError ? $"Error: {result.JoinedText()}" : result.JoinedText());
        }
        else
        {
            writer.WriteStartArray("output"u8);
            if (result.IsError)
            {
                WritePart(writer, new TextPart("Error:"), assistant: false);
            }

            foreach (var part in result.Content)
            {
                WritePart(writer, part, assistant: false);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteTools(CanonicalRequest request, Utf8JsonWriter writer)
    {
        if (request.Tools.Count == 0)
        {
            return;
        }

        writer.WriteStartArray("tools"u8);
        foreach (var tool in request.Tools)
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "function");
            writer.WriteString("name"u8, tool.UpstreamName);
            if (tool.Description is { Length: > 0 } description)
            {
                writer.WriteString("description"u8, description);
            }

            writer.WritePropertyName("parameters"u8);
            writer.WriteRawValue(tool.ParametersJson, skipInputValidation: true);
            writer.WriteBoolean("strict"u8, tool.Strict ?? false);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        switch (request.ToolChoice)
        {
            case { Mode: ToolChoiceMode.Auto }:
                writer.WriteString("tool_choice"u8, "auto");
                break;
            case { Mode: ToolChoiceMode.None }:
                writer.WriteString("tool_choice"u8, "none");
                break;
            case { Mode: ToolChoiceMode.Required }:
                writer.WriteString("tool_choice"u8, "required");
                break;
            case { Mode: ToolChoiceMode.Named, Name: { } name }:
                writer.WriteStartObject("tool_choice"u8);
                writer.WriteString("type"u8, "function");
                writer.WriteString("name"u8, name);
                writer.WriteEndObject();
                break;
        }

        if (request.ParallelToolCalls is { } parallel)
        {
            writer.WriteBoolean("parallel_tool_calls"u8, parallel);
        }
    }

    private static void WriteTextFormat(CanonicalResponseFormat? format, Utf8JsonWriter writer)
    {
        if (format is null)
        {
            return;
        }

        writer.WriteStartObject("text"u8);
        writer.WriteStartObject("format"u8);
        switch (format.Kind)
        {
            case ResponseFormatKind.Text:
                writer.WriteString("type"u8, "text");
                break;
            case ResponseFormatKind.JsonObject:
                writer.WriteString("type"u8, "json_object");
                break;
            case ResponseFormatKind.JsonSchema:
                writer.WriteString("type"u8, "json_schema");
                writer.WriteString("name"u8, format.Name ?? "response");
                if (format.Description is { } description)
                {
                    writer.WriteString("description"u8, description);
                }

                writer.WritePropertyName("schema"u8);
                writer.WriteRawValue(format.SchemaJson ?? JsonRead.EmptyObjectSchema, skipInputValidation: true);
                if (format.Strict is { } strict)
                {
                    writer.WriteBoolean("strict"u8, strict);
                }

                break;
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
