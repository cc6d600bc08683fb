using System.Text.Json;

namespace Gateway.Translation.Requests;

/// <summary>
/// Writes the canonical request as an OpenAI Chat Completions body. Choices this wire forces:
/// <list type="bullet">
/// <item>Thinking parts are dropped (Chat has no way to send them back).</item>
/// <item>Each tool result is one <c>tool</c> message (text only; an error result is prefixed <c>"Error: "</c>); images in
/// tool results follow the tool messages in one user message.</item>
/// <item>Anthropic thinking without an effort becomes a <c>reasoning_effort</c> derived from its budget; adaptive
/// thinking without an effort sends none.</item>
/// <item><c>user</c> is sent only when OpenAI's 64-character limit allows (Claude Code's user_id is longer).</item>
/// </list>
/// </summary>
internal static class ChatRequestWriter
{
    public static void Write(CanonicalRequest request, string model, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("model"u8, model);
        writer.WriteStartArray("messages"u8);
        if (request.System.Count > 0)
        {
            WriteTextMessage(writer, "system", request.System);
        }

        // Chat wants the tool messages right after the assistant's tool_calls: a system message between them (Claude
        // Code's mid-conversation system turns) is written after the tool messages instead.
        var messages = request.Messages;
        List<CanonicalMessage>? deferred = null;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role == MessageRole.System && i > 0 && IsInToolRun(messages, i))
            {
                (deferred ??= []).Add(message);
                continue;
            }

            WriteMessage(writer, message);
            if (deferred is not null && message.Role == MessageRole.Tool && (i + 1 == messages.Count || messages[i + 1].Role != MessageRole.Tool))
            {
                deferred.ForEach(d => WriteMessage(writer, d));
                deferred = null;
            }
        }

        deferred?.ForEach(d => WriteMessage(writer, d));

        writer.WriteEndArray();
        writer.WriteBoolean("stream"u8, true);
        writer.WriteStartObject("stream_options"u8);
        writer.WriteBoolean("include_usage"u8, true);
        writer.WriteEndObject();

        if (request.MaxTokens is { } maxTokens)
        {
            writer.WriteNumber("max_completion_tokens"u8, maxTokens);
        }

        if (request.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (request.TopP is { } topP)
        {
            writer.WriteNumber("top_p"u8, topP);
        }

        if (request.StopSequences.Count > 0)
        {
            writer.WriteStartArray("stop"u8);
            foreach (var stop in request.StopSequences)
            {
                writer.WriteStringValue(stop);
            }

            writer.WriteEndArray();
        }

        WriteTools(request, writer);
        WriteResponseFormat(request.ResponseFormat, writer);
        if (RequestTranslator.EffectiveEffort(request) is { } effort)
        {
            writer.WriteString("reasoning_effort"u8, effort);
        }

        if (request.User is { Length: > 0 and <= 64 } user)
        {
            writer.WriteString("user"u8, user);
        }

        writer.WriteEndObject();
    }

    /// <summary>Message <paramref name="index"/> sits between an assistant turn with tool calls and its tool results.</summary>
    private static bool IsInToolRun(List<CanonicalMessage> messages, int index)
    {
        var before = index - 1;
        while (before >= 0 && messages[before].Role == MessageRole.System)
        {
            before--;
        }

        var after = index + 1;
        while (after < messages.Count && messages[after].Role == MessageRole.System)
        {
            after++;
        }

        return before >= 0 && after < messages.Count && messages[after].Role == MessageRole.Tool
            && (messages[before].Role == MessageRole.Tool || messages[before].Parts.Exists(static p => p is ToolCallPart));
    }

    private static void WriteTextMessage(Utf8JsonWriter writer, string role, IReadOnlyList<ContentPart> parts)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, role);
        WriteContent(writer, parts);
        writer.WriteEndObject();
    }

    /// <summary><c>content</c> as a string for one text part, else as an array of text/image_url parts.</summary>
    private static void WriteContent(Utf8JsonWriter writer, IReadOnlyList<ContentPart> parts)
    {
        if (parts is [TextPart only])
        {
            writer.WriteString("content"u8, only.Text);
            return;
        }

        writer.WriteStartArray("content"u8);
        foreach (var part in parts)
        {
            switch (part)
            {
                case TextPart text:
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "text");
                    writer.WriteString("text"u8, text.Text);
                    writer.WriteEndObject();
                    break;
                case ImagePart image:
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "image_url");
                    writer.WriteStartObject("image_url"u8);
                    writer.WriteString("url"u8, image.ToUrl());
                    if (image.Detail is { } detail)
                    {
                        writer.WriteString("detail"u8, detail);
                    }

                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteMessage(Utf8JsonWriter writer, CanonicalMessage message)
    {
        switch (message.Role)
        {
            case MessageRole.System:
                WriteTextMessage(writer, "system", message.Parts);
                break;
            case MessageRole.User:
                WriteTextMessage(writer, "user", message.Parts);
                break;
            case MessageRole.Assistant:
                WriteAssistant(writer, message);
                break;
            case MessageRole.Tool:
                List<ContentPart>? images = null;
                foreach (var part in message.Parts)
                {
                    if (part is not ToolResultPart result)
                    {
                        continue;
                    }

                    writer.WriteStartObject();
                    writer.WriteString("role"u8, "tool");
                    writer.WriteString("tool_call_id"u8, result.CallId);
                    writer.WriteString("content"u8, result.IsError ? $"Error: {result.JoinedText()}" : result.JoinedText());
                    writer.WriteEndObject();
                    foreach (var piece in result.Content)
                    {
                        if (piece is ImagePart)
                        {
                            (images ??= []).Add(piece);
                        }
                    }
                }

                if (images is not null)
                {
                    WriteTextMessage(writer, "user", images);
                }

                break;
        }
    }

    private static void WriteAssistant(Utf8JsonWriter writer, CanonicalMessage message)
    {
        var texts = message.Parts.Where(static p => p is TextPart).ToList();
        var hasCalls = message.Parts.Exists(static p => p is ToolCallPart);
        if (texts.Count == 0 && !hasCalls)
        {
            // Only thinking: nothing Chat can carry.
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("role"u8, "assistant");
        if (texts.Count > 0)
        {
            WriteContent(writer, texts);
        }
        else
        {
            writer.WriteNull("content"u8);
        }

        if (hasCalls)
        {
            writer.WriteStartArray("tool_calls"u8);
            foreach (var part in message.Parts)
            {
                if (part is ToolCallPart call)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id"u8, call.Id);
                    writer.WriteString("type"u8, "function");
                    writer.WriteStartObject("function"u8);
                    writer.WriteString("name"u8, call.UpstreamName);
                    writer.WriteString("arguments"u8, call.Arguments);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
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
            writer.WriteStartObject("function"u8);
            writer.WriteString("name"u8, tool.UpstreamName);
            if (tool.Description is { Length: > 0 } description)
            {
                writer.WriteString("description"u8, description);
            }

            writer.WritePropertyName("parameters"u8);
            writer.WriteRawValue(tool.ParametersJson, skipInputValidation: true);
            if (tool.Strict is { } strict)
            {
                writer.WriteBoolean("strict"u8, strict);
            }

            writer.WriteEndObject();
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
                writer.WriteStartObject("function"u8);
                writer.WriteString("name"u8, name);
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
        }

        if (request.ParallelToolCalls is { } parallel)
        {
            writer.WriteBoolean("parallel_tool_calls"u8, parallel);
        }
    }

    private static void WriteResponseFormat(CanonicalResponseFormat? format, Utf8JsonWriter writer)
    {
        if (format is null)
        {
            return;
        }

        writer.WriteStartObject("response_format"u8);
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
                writer.WriteStartObject("json_schema"u8);
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

                writer.WriteEndObject();
                break;
        }

        writer.WriteEndObject();
    }
}
