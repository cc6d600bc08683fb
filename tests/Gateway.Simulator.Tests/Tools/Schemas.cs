using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests.Tools;

/// <summary>Schemas the tool and structured-output tests offer.</summary>
public static class Schemas
{
    /// <summary>A schema that exercises most keywords the generator honours.</summary>
    public const string Rich = """
        {
          "type": "object",
          "properties": {
            "city": { "type": "string", "minLength": 3, "maxLength": 5 },
            "unit": { "type": "string", "enum": ["c", "f"] },
            "days": { "type": "integer", "minimum": 1, "maximum": 7 },
            "ratio": { "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1 },
            "flag": { "type": "boolean" },
            "tags": { "type": "array", "items": { "type": "string", "minLength": 8 }, "minItems": 2 },
            "location": {
              "type": "object",
              "properties": { "lat": { "type": "number", "minimum": -90, "maximum": 90 }, "lon": { "type": "number", "minimum": -180, "maximum": 180 } },
              "required": ["lat", "lon"],
              "additionalProperties": false
            },
            "note": { "type": ["string", "null"] },
            "when": { "type": "string", "format": "date-time" },
            "pick": { "anyOf": [ { "type": "integer", "multipleOf": 5, "minimum": 12 }, { "type": "null" } ] },
            "ref": { "$ref": "#/$defs/level" }
          },
          "required": ["city", "unit", "days", "location"],
          "additionalProperties": false,
          "$defs": { "level": { "type": "integer", "exclusiveMinimum": 3, "maximum": 4 } }
        }
        """;

    public const string Weather = """
        {"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city","unit"],"additionalProperties":false}
        """;

    public static JsonNode Node(string schema) => JsonNode.Parse(schema)!;

    public static JsonArray ChatTools(params (string Name, string Schema)[] tools) =>
        new([.. tools.Select(t => (JsonNode)new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = t.Name, ["description"] = "test tool", ["parameters"] = Node(t.Schema) },
        })]);

    public static JsonArray AnthropicTools(params (string Name, string Schema)[] tools) =>
        new([.. tools.Select(t => (JsonNode)new JsonObject { ["name"] = t.Name, ["description"] = "test tool", ["input_schema"] = Node(t.Schema) })]);
}
