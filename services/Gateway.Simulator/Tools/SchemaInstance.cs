using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.Tools;

/// <summary>
/// Generates a deterministic JSON instance that is valid against a JSON schema (the subset tools and structured output
/// use): <c>type</c> (a string or an array of types), <c>enum</c> (first value), <c>const</c>, <c>properties</c> (all
/// of them are written, required ones included), <c>required</c> names without a property schema (written as strings),
/// <c>items</c>/<c>minItems</c>/<c>maxItems</c>, strings with <c>minLength</c>/<c>maxLength</c> and the common
/// <c>format</c>s, numbers and integers within <c>minimum</c>/<c>maximum</c> (exclusive bounds too, integer
/// <c>multipleOf</c>; numbers are whole when the range holds a whole number), booleans, null, <c>anyOf</c>/<c>oneOf</c> (the first alternative), <c>allOf</c> (the first
/// member), local <c>$ref</c>s (<c>#/$defs/…</c>, <c>#/definitions/…</c>). Not honoured: <c>pattern</c>,
/// <c>uniqueItems</c> beyond one item, <c>not</c>, <c>if/then/else</c>, <c>dependentRequired</c>.
/// </summary>
internal static class SchemaInstance
{
    private const int MaxDepth = 12;

    private static readonly string[] Words =
    [
        "alpha", "bravo", "cedar", "delta", "ember", "fjord", "grove", "harbor", "island", "juniper", "kestrel", "lumen",
        "meadow", "nimbus", "orchid", "prairie", "quartz", "river", "summit", "tundra",
    ];

    /// <summary>An instance of <paramref name="schema"/> as compact JSON; objects when the schema is absent or empty.</summary>
    public static string Generate(JsonElement? schema, ulong seed, bool objectByDefault = true)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, SseWriter.JsonOptions))
        {
            var state = seed;
            if (schema is { ValueKind: JsonValueKind.Object } root)
            {
                Write(json, root, root, ref state, 0, objectByDefault);
            }
            else
            {
                json.WriteStartObject();
                json.WriteEndObject();
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter json, JsonElement schema, JsonElement root, ref ulong state, int depth, bool objectByDefault)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            // `true` or an unusable schema: anything goes.
            json.WriteStringValue(Word(ref state));
            return;
        }

        if (schema.TryGetProperty("$ref"u8, out var reference) && reference.ValueKind == JsonValueKind.String
            && depth < MaxDepth && TryResolve(root, reference.GetString()!, out var target))
        {
            Write(json, target, root, ref state, depth + 1, objectByDefault);
            return;
        }

        if (schema.TryGetProperty("const"u8, out var constant))
        {
            constant.WriteTo(json);
            return;
        }

        if (schema.TryGetProperty("enum"u8, out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[0].WriteTo(json);
            return;
        }

        foreach (var combinator in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
        {
            if (schema.TryGetProperty(combinator, out var alternatives) && alternatives.ValueKind == JsonValueKind.Array
                && alternatives.GetArrayLength() > 0 && depth < MaxDepth)
            {
                Write(json, FirstNonNull(alternatives), root, ref state, depth + 1, objectByDefault);
                return;
            }
        }

        switch (TypeOf(schema, objectByDefault))
        {
            case "object":
                WriteObject(json, schema, root, ref state, depth);
                break;
            case "array":
                WriteArray(json, schema, root, ref state, depth);
                break;
            case "integer":
                json.WriteNumberValue(Integer(schema, ref state));
                break;
            case "number":
                json.WriteNumberValue(Number(schema, ref state));
                break;
            case "boolean":
                json.WriteBooleanValue((Next(ref state) & 1) == 1);
                break;
            case "null":
                json.WriteNullValue();
                break;
            default:
                json.WriteStringValue(Text(schema, ref state));
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter json, JsonElement schema, JsonElement root, ref ulong state, int depth)
    {
        json.WriteStartObject();
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("properties"u8, out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (depth >= MaxDepth && !IsRequired(schema, property.Name))
                {
                    continue;
                }

                json.WritePropertyName(property.Name);
                Write(json, property.Value, root, ref state, depth + 1, objectByDefault: false);
                written.Add(property.Name);
            }
        }

        if (schema.TryGetProperty("required"u8, out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind == JsonValueKind.String && written.Add(name.GetString()!))
                {
                    json.WriteString(name.GetString()!, Word(ref state));
                }
            }
        }

        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, JsonElement schema, JsonElement root, ref ulong state, int depth)
    {
        var count = Math.Max(1, ReadInt(schema, "minItems"u8) ?? 1);
        if (ReadInt(schema, "maxItems"u8) is { } maxItems)
        {
            count = Math.Min(count, maxItems);
        }

        if (depth >= MaxDepth)
        {
            count = Math.Min(count, ReadInt(schema, "minItems"u8) ?? 0);
        }

        count = Math.Min(count, 64);
        schema.TryGetProperty("prefixItems"u8, out var prefixItems);
        var hasItems = schema.TryGetProperty("items"u8, out var items);
        json.WriteStartArray();
        for (var i = 0; i < count; i++)
        {
            if (prefixItems.ValueKind == JsonValueKind.Array && i < prefixItems.GetArrayLength())
            {
                Write(json, prefixItems[i], root, ref state, depth + 1, objectByDefault: false);
            }
            else if (hasItems)
            {
                Write(json, items, root, ref state, depth + 1, objectByDefault: false);
            }
            else
            {
                json.WriteStringValue(Word(ref state));
            }
        }

        json.WriteEndArray();
    }

    private static long Integer(JsonElement schema, ref ulong state)
    {
        var low = ReadDouble(schema, "minimum"u8) is { } min ? (long)Math.Ceiling(min) : long.MinValue;
        if (ReadDouble(schema, "exclusiveMinimum"u8) is { } exclusiveMin)
        {
            low = Math.Max(low, (long)Math.Floor(exclusiveMin) + 1);
        }

        var high = ReadDouble(schema, "maximum"u8) is { } max ? (long)Math.Floor(max) : long.MaxValue;
        if (ReadDouble(schema, "exclusiveMaximum"u8) is { } exclusiveMax)
        {
            high = Math.Min(high, (long)Math.Ceiling(exclusiveMax) - 1);
        }

        var step = ReadDouble(schema, "multipleOf"u8) is { } multiple && multiple >= 1 && multiple == Math.Floor(multiple) ? (long)multiple : 1;
        var start = low != long.MinValue ? low : high != long.MaxValue ? Math.Min(0, high - 10) : 0;
        var span = high == long.MaxValue ? 10 : Math.Min(10, high - start);
        var value = start + (long)(Next(ref state) % (ulong)(Math.Max(0, span) + 1));
        if (step > 1)
        {
            var rounded = (long)Math.Ceiling(value / (double)step) * step;
            value = rounded <= high ? rounded : (long)Math.Floor(value / (double)step) * step;
        }

        return value;
    }

    private static double Number(JsonElement schema, ref ulong state)
    {
        // Whole numbers where the range holds one: what models produce, and what clients that declare "number" but
        // parse an integer (Codex's max_output_tokens, yield_time_ms) accept. Fractions only for ranges like (0, 1).
        if (HasIntegerIn(schema))
        {
            return Integer(schema, ref state);
        }

        var low = ReadDouble(schema, "minimum"u8) ?? double.NegativeInfinity;
        var high = ReadDouble(schema, "maximum"u8) ?? double.PositiveInfinity;
        var exclusiveLow = ReadDouble(schema, "exclusiveMinimum"u8);
        var exclusiveHigh = ReadDouble(schema, "exclusiveMaximum"u8);
        if (exclusiveLow is { } el && el >= low)
        {
            low = el;
        }

        if (exclusiveHigh is { } eh && eh <= high)
        {
            high = eh;
        }

        var fraction = (Next(ref state) % 1000) / 1000.0;
        double value;
        if (!double.IsInfinity(low) && !double.IsInfinity(high))
        {
            // Strictly inside the range: valid for inclusive and exclusive bounds alike.
            value = high > low ? low + ((high - low) * (0.25 + (fraction / 2))) : low;
        }
        else if (!double.IsInfinity(low))
        {
            value = low + 1 + (fraction * 10);
        }
        else if (!double.IsInfinity(high))
        {
            value = high - 1 - (fraction * 10);
        }
        else
        {
            value = fraction * 100;
        }

        return Math.Round(value, 3) is var rounded && rounded > low && rounded < high ? rounded : value;
    }

    private static bool HasIntegerIn(JsonElement schema)
    {
        var low = double.NegativeInfinity;
        var high = double.PositiveInfinity;
        if (ReadDouble(schema, "minimum"u8) is { } min)
        {
            low = Math.Ceiling(min);
        }

        if (ReadDouble(schema, "exclusiveMinimum"u8) is { } exclusiveMin)
        {
            low = Math.Max(low, Math.Floor(exclusiveMin) + 1);
        }

        if (ReadDouble(schema, "maximum"u8) is { } max)
        {
            high = Math.Floor(max);
        }

        if (ReadDouble(schema, "exclusiveMaximum"u8) is { } exclusiveMax)
        {
            high = Math.Min(high, Math.Ceiling(exclusiveMax) - 1);
        }

        // multipleOf with a fraction is left to the fractional path only when no whole number fits at all.
        return low <= high && !(ReadDouble(schema, "multipleOf"u8) is { } multiple && multiple != Math.Floor(multiple));
    }

    private static string Text(JsonElement schema, ref ulong state)
    {
        var format = schema.TryGetProperty("format"u8, out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        var text = format switch
        {
            "date-time" => "2026-01-01T00:00:00Z",
            "date" => "2026-01-01",
            "time" => "12:00:00Z",
            "email" => "sim@example.com",
            "uri" or "url" or "iri" => "https://example.com/sim",
            "uuid" => string.Create(CultureInfo.InvariantCulture, $"{Next(ref state) & 0xFFFFFFFF:x8}-0000-4000-8000-{Next(ref state) & 0xFFFFFFFFFFFF:x12}"),
            "ipv4" => "192.0.2.1",
            "ipv6" => "2001:db8::1",
            "hostname" => "example.com",
            _ => Word(ref state),
        };

        var minLength = ReadInt(schema, "minLength"u8) ?? 0;
        var maxLength = ReadInt(schema, "maxLength"u8);
        if (text.Length < minLength)
        {
            text = text.PadRight(minLength, 'x');
        }

        if (maxLength is { } max && text.Length > max)
        {
            text = text[..Math.Max(max, minLength)];
        }

        return text;
    }

    private static string TypeOf(JsonElement schema, bool objectByDefault)
    {
        if (schema.TryGetProperty("type"u8, out var type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                return type.GetString()!;
            }

            if (type.ValueKind == JsonValueKind.Array)
            {
                string? first = null;
                foreach (var item in type.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        first ??= item.GetString();
                        if (!item.ValueEquals("null"u8))
                        {
                            return item.GetString()!;
                        }
                    }
                }

                if (first is not null)
                {
                    return first;
                }
            }
        }

        if (schema.TryGetProperty("properties"u8, out _) || schema.TryGetProperty("required"u8, out _))
        {
            return "object";
        }

        if (schema.TryGetProperty("items"u8, out _))
        {
            return "array";
        }

        return objectByDefault ? "object" : "string";
    }

    private static JsonElement FirstNonNull(JsonElement alternatives)
    {
        foreach (var alternative in alternatives.EnumerateArray())
        {
            if (!(alternative.ValueKind == JsonValueKind.Object && alternative.TryGetProperty("type"u8, out var t) && t.ValueEquals("null"u8)))
            {
                return alternative;
            }
        }

        return alternatives[0];
    }

    private static bool TryResolve(JsonElement root, string reference, out JsonElement target)
    {
        target = default;
        if (reference == "#")
        {
            target = root;
            return true;
        }

        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            return false;
        }

        var current = root;
        foreach (var segment in reference[2..].Split('/'))
        {
            var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return false;
            }
        }

        target = current;
        return true;
    }

    private static bool IsRequired(JsonElement schema, string name)
    {
        if (schema.TryGetProperty("required"u8, out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in required.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.ValueEquals(name))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int? ReadInt(JsonElement schema, ReadOnlySpan<byte> name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var parsed) && parsed >= 0
            ? parsed
            : null;

    private static double? ReadDouble(JsonElement schema, ReadOnlySpan<byte> name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static string Word(ref ulong state) => Words[(int)(Next(ref state) % (ulong)Words.Length)];

    private static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return PromptDigest.Mix(state);
    }
}
