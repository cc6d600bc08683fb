using System.Text.Json;

namespace Gateway.Simulator.Behaviour;

/// <summary>
/// Reads message content as the wires shape it: a string, or an array of blocks/parts. Counted as text: <c>text</c>
/// blocks and parts (Responses <c>input_text</c>/<c>output_text</c> too), <c>tool_result</c> content, <c>tool_use</c> input (as raw JSON). Images, documents and thinking
/// blocks are not counted.
/// </summary>
internal static class MessageContent
{
    public static void AddTo(PromptDigest digest, JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                digest.AddText(content.GetString());
                break;
            case JsonValueKind.Array:
                foreach (var block in content.EnumerateArray())
                {
                    if (block.ValueKind == JsonValueKind.String)
                    {
                        digest.AddText(block.GetString());
                        continue;
                    }

                    if (block.ValueKind != JsonValueKind.Object || !block.TryGetProperty("type"u8, out var type))
                    {
                        continue;
                    }

                    if (IsTextType(type) && TryGetString(block, "text"u8, out var text))
                    {
                        digest.AddText(text);
                    }
                    else if (type.ValueEquals("tool_result"u8) && block.TryGetProperty("content"u8, out var result))
                    {
                        AddTo(digest, result);
                    }
                    else if (type.ValueEquals("tool_use"u8) && block.TryGetProperty("input"u8, out var input))
                    {
                        digest.AddText(input.GetRawText());
                    }
                }

                break;
        }
    }

    /// <summary>Applies the directives found in the text of <paramref name="content"/>.</summary>
    public static bool TryApplyDirectives(JsonElement content, ref PlanOverrides overrides, out string? error)
    {
        error = null;
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return Directives.TryApply(content.GetString(), ref overrides, out error);
            case JsonValueKind.Array:
                foreach (var block in content.EnumerateArray())
                {
                    if (block.ValueKind == JsonValueKind.Object
                        && block.TryGetProperty("type"u8, out var type)
                        && IsTextType(type)
                        && TryGetString(block, "text"u8, out var text)
                        && !Directives.TryApply(text, ref overrides, out error))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    /// <summary>Text blocks (Anthropic) and parts (Chat <c>text</c>, Responses <c>input_text</c>/<c>output_text</c>).</summary>
    private static bool IsTextType(JsonElement type) =>
        type.ValueEquals("text"u8) || type.ValueEquals("input_text"u8) || type.ValueEquals("output_text"u8);

    public static bool TryGetString(JsonElement element, ReadOnlySpan<byte> name, out string value)
    {
        if (element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String)
        {
            value = property.GetString()!;
            return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>Reads an optional boolean: absent or null is false; false when the value has another type.</summary>
    public static bool TryGetOptionalBool(JsonElement element, ReadOnlySpan<byte> name, out bool value)
    {
        value = false;
        if (!element.TryGetProperty(name, out var property))
        {
            return true;
        }

        switch (property.ValueKind)
        {
            case JsonValueKind.True:
                value = true;
                return true;
            case JsonValueKind.False:
            case JsonValueKind.Null:
                return true;
            default:
                return false;
        }
    }

    /// <summary>Reads an optional integer at least <paramref name="minimum"/>; absent or null gives null.</summary>
    public static bool TryGetOptionalInt(JsonElement element, ReadOnlySpan<byte> name, int minimum, out int? value)
    {
        value = null;
        if (!element.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (property.ValueKind != JsonValueKind.Number || !property.TryGetInt32(out var parsed) || parsed < minimum)
        {
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>Reads stop sequences given as a string, an array of strings, or null.</summary>
    public static bool TryGetStopSequences(JsonElement element, ReadOnlySpan<byte> name, out string[] value)
    {
        value = [];
        if (!element.TryGetProperty(name, out var property))
        {
            return true;
        }

        switch (property.ValueKind)
        {
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.String:
                value = [property.GetString()!];
                return true;
            case JsonValueKind.Array:
                var list = new string[property.GetArrayLength()];
                var i = 0;
                foreach (var item in property.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return false;
                    }

                    list[i++] = item.GetString()!;
                }

                value = list;
                return true;
            default:
                return false;
        }
    }
}
