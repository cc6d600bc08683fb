using System.Text.Json;

namespace Gateway.Simulator.Tests.Infrastructure;

/// <summary>
/// A small JSON-schema validator, independent of the simulator's generator, for the keywords tests use: type (string or
/// array), enum, const, properties, required, additionalProperties false, items, minItems, maxItems, minLength,
/// maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, anyOf, oneOf, allOf, local $ref.
/// </summary>
public static class SchemaValidator
{
    /// <summary>The first violation as a JSON-pointer-ish path and reason, or null when the instance is valid.</summary>
    public static string? Validate(JsonElement schema, JsonElement instance) => Check(schema, schema, instance, "$");

    public static void AssertValid(string schemaJson, string instanceJson)
    {
        using var schema = JsonDocument.Parse(schemaJson);
        using var instance = JsonDocument.Parse(instanceJson);
        var error = Validate(schema.RootElement, instance.RootElement);
        Assert.True(error is null, $"{instanceJson} is not valid: {error}");
    }

    private static string? Check(JsonElement root, JsonElement schema, JsonElement value, string path)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return null;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            return $"{path}: unusable schema";
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            var target = root;
            foreach (var segment in reference.GetString()!.TrimStart('#', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                target = target.GetProperty(segment);
            }

            return Check(root, target, value, path);
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            return $"{path}: not the const";
        }

        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
        {
            return $"{path}: not in enum";
        }

        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var member in allOf.EnumerateArray())
            {
                if (Check(root, member, value, path) is { } error)
                {
                    return error;
                }
            }
        }

        if (schema.TryGetProperty("anyOf", out var anyOf) && !anyOf.EnumerateArray().Any(m => Check(root, m, value, path) is null))
        {
            return $"{path}: matches no anyOf alternative";
        }

        if (schema.TryGetProperty("oneOf", out var oneOf) && oneOf.EnumerateArray().Count(m => Check(root, m, value, path) is null) != 1)
        {
            return $"{path}: does not match exactly one oneOf alternative";
        }

        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToArray() : [type.GetString()!];
            if (!types.Any(t => HasType(value, t)))
            {
                return $"{path}: expected {string.Join('|', types)}, got {value.ValueKind}";
            }
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                return CheckObject(root, schema, value, path);
            case JsonValueKind.Array:
                var count = value.GetArrayLength();
                if (schema.TryGetProperty("minItems", out var minItems) && count < minItems.GetInt32())
                {
                    return $"{path}: fewer than minItems";
                }

                if (schema.TryGetProperty("maxItems", out var maxItems) && count > maxItems.GetInt32())
                {
                    return $"{path}: more than maxItems";
                }

                if (schema.TryGetProperty("items", out var items))
                {
                    var i = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        if (Check(root, items, item, $"{path}[{i++}]") is { } error)
                        {
                            return error;
                        }
                    }
                }

                return null;
            case JsonValueKind.String:
                var length = value.GetString()!.Length;
                if (schema.TryGetProperty("minLength", out var minLength) && length < minLength.GetInt32())
                {
                    return $"{path}: shorter than minLength";
                }

                if (schema.TryGetProperty("maxLength", out var maxLength) && length > maxLength.GetInt32())
                {
                    return $"{path}: longer than maxLength";
                }

                return null;
            case JsonValueKind.Number:
                var number = value.GetDouble();
                if ((schema.TryGetProperty("minimum", out var min) && number < min.GetDouble())
                    || (schema.TryGetProperty("maximum", out var max) && number > max.GetDouble())
                    || (schema.TryGetProperty("exclusiveMinimum", out var exMin) && number <= exMin.GetDouble())
                    || (schema.TryGetProperty("exclusiveMaximum", out var exMax) && number >= exMax.GetDouble()))
                {
                    return $"{path}: {number} out of range";
                }

                if (schema.TryGetProperty("multipleOf", out var multiple) && Math.Abs(Math.IEEERemainder(number, multiple.GetDouble())) > 1e-9)
                {
                    return $"{path}: not a multiple";
                }

                return null;
            default:
                return null;
        }
    }

    private static string? CheckObject(JsonElement root, JsonElement schema, JsonElement value, string path)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray())
            {
                if (!value.TryGetProperty(name.GetString()!, out _))
                {
                    return $"{path}: missing required '{name.GetString()}'";
                }
            }
        }

        schema.TryGetProperty("properties", out var properties);
        var closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                if (Check(root, propertySchema, property.Value, $"{path}.{property.Name}") is { } error)
                {
                    return error;
                }
            }
            else if (closed)
            {
                return $"{path}: additional property '{property.Name}'";
            }
        }

        return null;
    }

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => false,
    };
}
