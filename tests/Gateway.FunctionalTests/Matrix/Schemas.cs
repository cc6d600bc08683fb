using System.Text.Json;

namespace Gateway.FunctionalTests.Matrix;

/// <summary>The tool and answer schemas of the matrix, and a checker for the keywords they use.</summary>
internal static class Schemas
{
    public const string WeatherToolName = "get_weather";

    public const string WeatherTool = """
        {
          "type": "object",
          "properties": {
            "city": { "type": "string", "minLength": 1 },
            "unit": { "type": "string", "enum": ["celsius", "fahrenheit"] },
            "days": { "type": "integer", "minimum": 1, "maximum": 7 }
          },
          "required": ["city", "unit", "days"],
          "additionalProperties": false
        }
        """;

    public const string ReviewName = "review";

    public const string Review = """
        {
          "type": "object",
          "properties": {
            "title": { "type": "string", "minLength": 1 },
            "score": { "type": "integer", "minimum": 0, "maximum": 10 },
            "tags": { "type": "array", "items": { "type": "string" }, "minItems": 1 }
          },
          "required": ["title", "score", "tags"],
          "additionalProperties": false
        }
        """;

    /// <summary>Parses <paramref name="instanceJson"/> and fails the test unless it is valid against <paramref name="schemaJson"/>.</summary>
    public static void AssertValid(string schemaJson, string instanceJson)
    {
        using var schema = JsonDocument.Parse(schemaJson);
        JsonDocument instance;
        try
        {
            instance = JsonDocument.Parse(instanceJson);
        }
        catch (JsonException ex)
        {
            Assert.Fail($"not JSON ({ex.Message}): {instanceJson}");
            return;
        }

        using (instance)
        {
            var error = Check(schema.RootElement, instance.RootElement, "$");
            Assert.True(error is null, $"{instanceJson} is not valid against the schema: {error}");
        }
    }

    /// <summary>type, properties, required, additionalProperties false, enum, minLength, minimum, maximum, items, minItems.</summary>
    private static string? Check(JsonElement schema, JsonElement value, string path)
    {
        if (schema.TryGetProperty("type", out var type))
        {
            var ok = type.GetString() switch
            {
                "object" => value.ValueKind == JsonValueKind.Object,
                "array" => value.ValueKind == JsonValueKind.Array,
                "string" => value.ValueKind == JsonValueKind.String,
                "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
                "number" => value.ValueKind == JsonValueKind.Number,
                "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                _ => false,
            };
            if (!ok)
            {
                return $"{path}: expected {type.GetString()}, got {value.ValueKind}";
            }
        }

        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
        {
            return $"{path}: not one of {values.GetRawText()}";
        }

        if (schema.TryGetProperty("minLength", out var minLength) && value.GetString()!.Length < minLength.GetInt32())
        {
            return $"{path}: shorter than {minLength.GetInt32()}";
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            var number = value.GetDouble();
            if (schema.TryGetProperty("minimum", out var min) && number < min.GetDouble())
            {
                return $"{path}: below {min.GetDouble()}";
            }

            if (schema.TryGetProperty("maximum", out var max) && number > max.GetDouble())
            {
                return $"{path}: above {max.GetDouble()}";
            }
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            if (schema.TryGetProperty("minItems", out var minItems) && value.GetArrayLength() < minItems.GetInt32())
            {
                return $"{path}: fewer than {minItems.GetInt32()} items";
            }

            if (schema.TryGetProperty("items", out var items))
            {
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (Check(items, item, $"{path}[{i++}]") is { } error)
                    {
                        return error;
                    }
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            schema.TryGetProperty("properties", out var properties);
            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var name in required.EnumerateArray().Select(n => n.GetString()!))
                {
                    if (!value.TryGetProperty(name, out _))
                    {
                        return $"{path}: missing required '{name}'";
                    }
                }
            }

            foreach (var property in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
                {
                    if (Check(propertySchema, property.Value, $"{path}.{property.Name}") is { } error)
                    {
                        return error;
                    }
                }
                else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
                {
                    return $"{path}: unexpected property '{property.Name}'";
                }
            }
        }

        return null;
    }
}
