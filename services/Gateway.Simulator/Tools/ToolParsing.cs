using System.Text;
using System.Text.Json;
using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.Tools;

/// <summary>Reads tool definitions, tool choices and output formats as each wire spells them.</summary>
internal static class ToolParsing
{
    /// <summary>Chat Completions <c>tools</c>: <c>{type: "function", function: {name, parameters}}</c>; other types are ignored.</summary>
    public static string? ReadChatTools(JsonElement body, ToolRequest into)
    {
        if (!body.TryGetProperty("tools"u8, out var tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            return "tools";
        }

        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object)
            {
                return $"tools[{index}]";
            }

            if (tool.TryGetProperty("function"u8, out var function) && function.ValueKind == JsonValueKind.Object)
            {
                if (!MessageContent.TryGetString(function, "name"u8, out var name) || name.Length == 0)
                {
                    return $"tools[{index}].function.name";
                }

                into.Tools.Add(new OfferedTool(name, Schema(function, "parameters"u8)));
            }

            index++;
        }

        return null;
    }

    /// <summary>
    /// Responses <c>tools</c>: <c>{type: "function", name, parameters}</c> at the top level. Codex's <c>namespace</c>
    /// tools (nested tools), <c>custom</c> tools and built-ins (<c>web_search</c>) are accepted and never called.
    /// </summary>
    public static string? ReadResponsesTools(JsonElement tools, ToolRequest into)
    {
        if (tools.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            return "tools";
        }

        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object)
            {
                return $"tools[{index}]";
            }

            if (tool.TryGetProperty("type"u8, out var type) && type.ValueEquals("function"u8))
            {
                if (!MessageContent.TryGetString(tool, "name"u8, out var name) || name.Length == 0)
                {
                    return $"tools[{index}].name";
                }

                into.Tools.Add(new OfferedTool(name, Schema(tool, "parameters"u8)));
            }

            index++;
        }

        return null;
    }

    /// <summary>
    /// OpenAI <c>tool_choice</c>: "none" | "auto" | "required", <c>{type: "function", function: {name}}</c> (Chat) or
    /// <c>{type: "function", name}</c> (Responses); <c>allowed_tools</c> and other object forms behave as "auto".
    /// </summary>
    public static bool TryReadOpenAiToolChoice(JsonElement body, out ToolChoice choice)
    {
        choice = new ToolChoice(ToolChoiceKind.Auto);
        if (!body.TryGetProperty("tool_choice"u8, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            switch (value.GetString())
            {
                case "auto":
                    return true;
                case "none":
                    choice = new ToolChoice(ToolChoiceKind.None);
                    return true;
                case "required":
                    choice = new ToolChoice(ToolChoiceKind.Required);
                    return true;
                default:
                    return false;
            }
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (value.TryGetProperty("type"u8, out var type) && type.ValueEquals("function"u8))
        {
            var holder = value.TryGetProperty("function"u8, out var function) && function.ValueKind == JsonValueKind.Object ? function : value;
            if (!MessageContent.TryGetString(holder, "name"u8, out var name) || name.Length == 0)
            {
                return false;
            }

            choice = new ToolChoice(ToolChoiceKind.Forced, name);
        }

        return true;
    }

    /// <summary>
    /// Anthropic <c>tools</c>: client tools <c>{name, input_schema}</c> (no type, or type "custom"); server tools
    /// (typed, e.g. <c>web_search_20250305</c>) are accepted and never called.
    /// </summary>
    public static string? ReadAnthropicTools(JsonElement body, ToolRequest into)
    {
        if (!body.TryGetProperty("tools"u8, out var tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            return "tools: Input should be a valid list";
        }

        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object || !MessageContent.TryGetString(tool, "name"u8, out var name) || name.Length == 0)
            {
                return $"tools.{index}.name: Field required";
            }

            var custom = !tool.TryGetProperty("type"u8, out var type) || type.ValueKind == JsonValueKind.Null || type.ValueEquals("custom"u8);
            if (custom)
            {
                into.Tools.Add(new OfferedTool(name, Schema(tool, "input_schema"u8)));
            }

            index++;
        }

        return null;
    }

    /// <summary>Anthropic <c>tool_choice</c>: <c>{type: auto|any|tool|none, name, disable_parallel_tool_use}</c>.</summary>
    public static string? ReadAnthropicToolChoice(JsonElement body, ToolRequest into)
    {
        if (!body.TryGetProperty("tool_choice"u8, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object || !MessageContent.TryGetString(value, "type"u8, out var type))
        {
            return "tool_choice: Input should be an object with a type";
        }

        if (value.TryGetProperty("disable_parallel_tool_use"u8, out var disable) && disable.ValueKind == JsonValueKind.True)
        {
            into.ParallelAllowed = false;
        }

        switch (type)
        {
            case "auto":
                into.Choice = new ToolChoice(ToolChoiceKind.Auto);
                return null;
            case "any":
                into.Choice = new ToolChoice(ToolChoiceKind.Required);
                return null;
            case "none":
                into.Choice = new ToolChoice(ToolChoiceKind.None);
                return null;
            case "tool" when MessageContent.TryGetString(value, "name"u8, out var name) && name.Length > 0:
                into.Choice = new ToolChoice(ToolChoiceKind.Forced, name);
                return null;
            case "tool":
                return "tool_choice.tool.name: Field required";
            default:
                return $"tool_choice.type: Input tag '{type}' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'";
        }
    }

    /// <summary>
    /// OpenAI structured output, Chat <c>response_format</c> or Responses <c>text.format</c>: <c>json_schema</c> gives an
    /// instance of the schema, <c>json_object</c> a small object; <c>text</c> (or absent) gives null. Null error when fine.
    /// </summary>
    public static bool TryReadStructuredOutput(JsonElement format, ulong seed, out string? structured)
    {
        structured = null;
        if (format.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (format.ValueKind != JsonValueKind.Object || !MessageContent.TryGetString(format, "type"u8, out var type))
        {
            return false;
        }

        switch (type)
        {
            case "text":
                return true;
            case "json_object":
                structured = SmallObject(seed);
                return true;
            case "json_schema":
                // Chat nests the schema under json_schema; Responses' text.format carries it directly.
                var holder = format.TryGetProperty("json_schema"u8, out var nested) && nested.ValueKind == JsonValueKind.Object ? nested : format;
                structured = SchemaInstance.Generate(Schema(holder, "schema"u8), seed);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether <paramref name="content"/> (a string or text parts/blocks) contains the word "tool".</summary>
    public static bool MentionsTool(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return ContainsWordTool(content.GetString());
            case JsonValueKind.Array:
                foreach (var block in content.EnumerateArray())
                {
                    if (block.ValueKind == JsonValueKind.String ? ContainsWordTool(block.GetString())
                        : block.ValueKind == JsonValueKind.Object && MessageContent.TryGetString(block, "text"u8, out var text) && ContainsWordTool(text))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static bool ContainsWordTool(ReadOnlySpan<char> text)
    {
        var position = 0;
        while (position < text.Length)
        {
            var found = text[position..].IndexOf("tool", StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                return false;
            }

            var begin = position + found;
            var end = begin + 4;
            if ((begin == 0 || !char.IsLetterOrDigit(text[begin - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
            {
                return true;
            }

            position = end;
        }

        return false;
    }

    private static string SmallObject(ulong seed)
    {
        var generator = new TextGenerator(seed);
        var words = new StringBuilder();
        for (var i = 0; i < 6; i++)
        {
            words.Append(generator.Next());
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer, SseWriter.JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("answer"u8, words.ToString());
            json.WriteBoolean("simulated"u8, true);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The schema under <paramref name="name"/>; valid while the request's JSON document lives (parsing only).</summary>
    private static JsonElement? Schema(JsonElement holder, ReadOnlySpan<byte> name) =>
        holder.TryGetProperty(name, out var schema) && schema.ValueKind == JsonValueKind.Object ? schema : null;
}
