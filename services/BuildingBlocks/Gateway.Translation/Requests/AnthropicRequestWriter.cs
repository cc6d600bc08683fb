using System.Text.Json;

namespace Gateway.Translation.Requests;

/// <summary>
/// Writes the canonical request as an Anthropic Messages body. Choices this wire forces:
/// <list type="bullet">
/// <item>Consecutive turns of the same role are merged; tool results become <c>tool_result</c> blocks of a user turn,
/// placed first in it.</item>
/// <item>A system/developer message in mid-conversation becomes a user-turn text block prefixed <c>"System: "</c> at
/// its position (not appended to <c>system</c>: that would move it and change the cached prompt prefix).</item>
/// <item>A json_schema response format becomes Anthropic's native <c>output_config.format</c>; json_object, which
/// Anthropic lacks, becomes an instruction appended to the system prompt as a last text block.</item>
/// <item>Thinking: the client's Anthropic thinking, or a budget derived from the reasoning effort, clamped to
/// [1024, max_tokens - 1]; left off when that range is empty, when a tool call is forced, or when the conversation
/// continues a tool call whose assistant turn carries no thinking block (Anthropic rejects both). With thinking on,
/// <c>temperature</c> is left off and <c>top_p</c> only kept at 0.95 or more.</item>
/// <item><c>temperature</c> (clamped to 1) wins over <c>top_p</c> when both are given (recent models take only one).</item>
/// <item>Thinking parts without a signature and empty text parts are left off (Anthropic rejects them); a conversation
/// opening with the assistant gets a <c>"(conversation start)"</c> user turn first (Anthropic requires a user turn first).</item>
/// </list>
/// </summary>
internal static class AnthropicRequestWriter
{
    private const int MinThinkingBudget = 1024;

    /// <summary>The user turn put before a conversation that opens with the assistant.</summary>
    internal const string ConversationStart = "(conversation start)";

    public static void Write(CanonicalRequest request, string model, Utf8JsonWriter writer)
    {
        var maxTokens = request.MaxTokens ?? RequestTranslator.DefaultAnthropicMaxTokens;
        writer.WriteStartObject();
        writer.WriteString("model"u8, model);
        writer.WriteNumber("max_tokens"u8, maxTokens);
        WriteSystem(request, writer);
        WriteMessages(request, writer);
        WriteTools(request, writer);

        var thinking = ThinkingBudget(request, maxTokens, out var adaptive);
        if (adaptive)
        {
            writer.WriteStartObject("thinking"u8);
            writer.WriteString("type"u8, "adaptive");
            writer.WriteEndObject();
        }
        else if (thinking is { } budget)
        {
            writer.WriteStartObject("thinking"u8);
            writer.WriteString("type"u8, "enabled");
            writer.WriteNumber("budget_tokens"u8, budget);
            writer.WriteEndObject();
        }

        var thinkingOn = adaptive || thinking is not null;
        if (request.Temperature is { } temperature && !thinkingOn)
        {
            writer.WriteNumber("temperature"u8, Math.Min(temperature, 1));
        }
        else if (request.TopP is { } topP && (!thinkingOn || topP >= 0.95))
        {
            writer.WriteNumber("top_p"u8, topP);
        }

        if (request.ResponseFormat is { Kind: ResponseFormatKind.JsonSchema, SchemaJson: { } schema })
        {
            // Anthropic's native structured output; json_object has no native form and goes as an instruction.
            writer.WriteStartObject("output_config"u8);
            writer.WriteStartObject("format"u8);
            writer.WriteString("type"u8, "json_schema");
            writer.WritePropertyName("schema"u8);
            writer.WriteRawValue(schema, skipInputValidation: false);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (request.StopSequences.Count > 0)
        {
            writer.WriteStartArray("stop_sequences"u8);
            foreach (var stop in request.StopSequences)
            {
                writer.WriteStringValue(stop);
            }

            writer.WriteEndArray();
        }

        if (request.User is { Length: > 0 } user)
        {
            writer.WriteStartObject("metadata"u8);
            writer.WriteString("user_id"u8, user);
            writer.WriteEndObject();
        }

        writer.WriteBoolean("stream"u8, true);
        writer.WriteEndObject();
    }

    /// <summary>The thinking budget to ask for, or null for none; <paramref name="adaptive"/> for adaptive thinking.</summary>
    private static int? ThinkingBudget(CanonicalRequest request, int maxTokens, out bool adaptive)
    {
        adaptive = false;
        if (request.ToolChoice is { Mode: ToolChoiceMode.Required or ToolChoiceMode.Named } || ContinuesToolCallWithoutThinking(request))
        {
            return null;
        }

        int budget;
        switch (request.Thinking)
        {
            case ThinkingMode.Disabled:
                return null;
            case ThinkingMode.Adaptive:
                adaptive = true;
                return null;
            case ThinkingMode.Enabled when request.ThinkingBudget is { } given:
                budget = given;
                break;
            default:
                if (RequestTranslator.EffortToBudget(request.ReasoningEffort) is not { } derived)
                {
                    return null;
                }

                budget = derived;
                break;
        }

        budget = Math.Min(budget, maxTokens - 1);
        return budget >= MinThinkingBudget ? budget : null;
    }

    private static bool ContinuesToolCallWithoutThinking(CanonicalRequest request)
    {
        for (var i = request.Messages.Count - 1; i >= 0; i--)
        {
            var message = request.Messages[i];
            if (message.Role == MessageRole.Assistant)
            {
                var callsTools = message.Parts.Exists(static p => p is ToolCallPart);
                var thinks = message.Parts.Exists(static p => p is ThinkingPart t && IsAnthropicSignature(t.Signature) || p is RedactedThinkingPart);
                return callsTools && !thinks;
            }
        }

        return false;
    }

    private static void WriteSystem(CanonicalRequest request, Utf8JsonWriter writer)
    {
        var instruction = FormatInstruction(request.ResponseFormat);
        if (!request.System.Exists(static p => p.Text.Length > 0) && instruction is null)
        {
            return;
        }

        writer.WriteStartArray("system"u8);
        foreach (var part in request.System)
        {
            if (part.Text.Length > 0)
            {
                WriteText(writer, part.Text);
            }
        }

        if (instruction is not null)
        {
            WriteText(writer, instruction);
        }

        writer.WriteEndArray();
    }

    internal static string? FormatInstruction(CanonicalResponseFormat? format) => format switch
    {
        { Kind: ResponseFormatKind.JsonObject } =>
            "Respond with a single valid JSON object and nothing else: no prose, no code fences.",
        _ => null,
    };

    private static void WriteMessages(CanonicalRequest request, Utf8JsonWriter writer)
    {
        // Turns as Anthropic sees them: user (user, tool, mid-conversation system) or assistant, merged when adjacent.
        var turns = new List<(bool User, List<ContentPart> Blocks)>();
        foreach (var message in request.Messages)
        {
            var user = message.Role != MessageRole.Assistant;
            if (turns.Count == 0 || turns[^1].User != user)
            {
                turns.Add((user, []));
            }

            var blocks = turns[^1].Blocks;
            if (message.Role == MessageRole.System)
            {
                var text = string.Join("\n\n", message.Parts.OfType<TextPart>().Select(static t => t.Text));
                blocks.Add(new TextPart($"System: {text}"));
                continue;
            }

            foreach (var part in message.Parts)
            {
                if (part is TextPart { Text.Length: 0 } || part is ThinkingPart thinking && !IsAnthropicSignature(thinking.Signature))
                {
                    continue;
                }

                if (part is ToolResultPart)
                {
                    // tool_result blocks must open the user turn.
                    blocks.Insert(blocks.FindLastIndex(static b => b is ToolResultPart) + 1, part);
                }
                else
                {
                    blocks.Add(part);
                }
            }
        }

        turns.RemoveAll(static t => t.Blocks.Count == 0);
        if (turns.Count > 0 && !turns[0].User)
        {
            // Anthropic requires the first message to be a user turn; OpenAI wires let a conversation open with the
            // assistant (a greeting). A neutral placeholder turn keeps that greeting in the history.
            turns.Insert(0, (true, [new TextPart(ConversationStart)]));
        }

        writer.WriteStartArray("messages"u8);
        foreach (var (user, blocks) in turns)
        {
            writer.WriteStartObject();
            writer.WriteString("role"u8, user ? "user" : "assistant");
            writer.WriteStartArray("content"u8);
            foreach (var block in blocks)
            {
                WriteBlock(writer, block);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>A thinking signature Anthropic can verify. A reasoning item OpenAI itself produced (a Codex history
    /// that started on an OpenAI route) carries a Fernet token, always starting "gAAAAA": not a signature, dropped.</summary>
    private static bool IsAnthropicSignature(string? signature) =>
        signature is { Length: > 0 } && !signature.StartsWith("gAAAAA", StringComparison.Ordinal);

    private static void WriteBlock(Utf8JsonWriter writer, ContentPart part)
    {
        switch (part)
        {
            case TextPart text:
                WriteText(writer, text.Text);
                break;
            case ImagePart image:
                WriteImage(writer, image);
                break;
            case ToolCallPart call:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "tool_use");
                writer.WriteString("id"u8, call.Id);
                writer.WriteString("name"u8, call.UpstreamName);
                writer.WritePropertyName("input"u8);
                WriteArgumentsObject(writer, call.Arguments);
                writer.WriteEndObject();
                break;
            case ToolResultPart result:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "tool_result");
                writer.WriteString("tool_use_id"u8, result.CallId);
                if (result.IsError)
                {
                    writer.WriteBoolean("is_error"u8, true);
                }

                if (result.Content is [TextPart only])
                {
                    writer.WriteString("content"u8, only.Text);
                }
                else
                {
                    writer.WriteStartArray("content"u8);
                    foreach (var piece in result.Content)
                    {
                        if (piece is TextPart { Text.Length: > 0 } or ImagePart)
                        {
                            WriteBlock(writer, piece);
                        }
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
                break;
            case ThinkingPart thinking:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "thinking");
                writer.WriteString("thinking"u8, thinking.Text);
                writer.WriteString("signature"u8, thinking.Signature);
                writer.WriteEndObject();
                break;
            case RedactedThinkingPart redacted:
                writer.WriteStartObject();
                writer.WriteString("type"u8, "redacted_thinking");
                writer.WriteString("data"u8, redacted.Data);
                writer.WriteEndObject();
                break;
        }
    }

    private static void WriteText(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "text");
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    private static void WriteImage(Utf8JsonWriter writer, ImagePart image)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "image");
        writer.WriteStartObject("source"u8);
        if (image.Data is not null)
        {
            writer.WriteString("type"u8, "base64");
            writer.WriteString("media_type"u8, image.MediaType);
            writer.WriteString("data"u8, image.Data);
        }
        else
        {
            writer.WriteString("type"u8, "url");
            writer.WriteString("url"u8, image.Url);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Tool arguments as the JSON object <c>input</c> must be: verbatim when they are one; <c>{}</c> when
    /// empty; otherwise (a model's malformed arguments in history) wrapped as <c>{"arguments": "…"}</c>.</summary>
    internal static void WriteArgumentsObject(Utf8JsonWriter writer, string arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(arguments);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                writer.WriteRawValue(arguments, skipInputValidation: true);
                return;
            }
        }
        catch (JsonException)
        {
            // Not JSON: wrapped below.
        }

        writer.WriteStartObject();
        writer.WriteString("arguments"u8, arguments);
        writer.WriteEndObject();
    }

    /// <summary>Anthropic requires <c>input_schema.type</c> to be <c>"object"</c>; OpenAI clients may leave it out
    /// (<c>"parameters": {}</c>). Such a schema gets <c>"type": "object"</c> added; any other is written verbatim.</summary>
    private static void WriteInputSchema(Utf8JsonWriter writer, string schema)
    {
        using var document = JsonDocument.Parse(schema);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("type"u8, out _))
        {
            writer.WriteRawValue(schema, skipInputValidation: true);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type"u8, "object");
        foreach (var property in root.EnumerateObject())
        {
            property.WriteTo(writer);
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
            writer.WriteString("name"u8, tool.UpstreamName);
            if (tool.Description is { Length: > 0 } description)
            {
                writer.WriteString("description"u8, description);
            }

            writer.WritePropertyName("input_schema"u8);
            WriteInputSchema(writer, tool.ParametersJson);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        var choice = request.ToolChoice;
        var disableParallel = request.ParallelToolCalls == false && choice is not { Mode: ToolChoiceMode.None };
        if (choice is null && !disableParallel)
        {
            return;
        }

        writer.WriteStartObject("tool_choice"u8);
        switch (choice?.Mode ?? ToolChoiceMode.Auto)
        {
            case ToolChoiceMode.Auto:
                writer.WriteString("type"u8, "auto");
                break;
            case ToolChoiceMode.None:
                writer.WriteString("type"u8, "none");
                break;
            case ToolChoiceMode.Required:
                writer.WriteString("type"u8, "any");
                break;
            case ToolChoiceMode.Named:
                writer.WriteString("type"u8, "tool");
                writer.WriteString("name"u8, choice!.Name);
                break;
        }

        if (disableParallel)
        {
            writer.WriteBoolean("disable_parallel_tool_use"u8, true);
        }

        writer.WriteEndObject();
    }
}
