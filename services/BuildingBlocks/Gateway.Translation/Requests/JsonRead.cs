using System.Text.Json;

namespace Gateway.Translation.Requests;

/// <summary>A request failed validation. Thrown only while parsing a client request (a 400, never a hot path) and
/// turned into a <see cref="TranslationError"/> by <see cref="RequestTranslator.TryParse"/>.</summary>
internal sealed class InvalidRequestException(string param, string message, string code = "invalid_value") : Exception(message)
{
    public string Param { get; } = param;

    public string Code { get; } = code;

    /// <summary>The error; its message names the field too, for envelopes without a <c>param</c> (Anthropic's).</summary>
    public TranslationError ToError() => new(400, "invalid_request_error", Code,
        Message.Contains($"'{Param}'", StringComparison.Ordinal) ? Message : $"{Message} (at '{Param}')", Param);
}

/// <summary>Typed reads of request fields that fail with the field's JSON path.</summary>
internal static class JsonRead
{
    public static string Path(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static string Path(string parent, int index) => $"{parent}[{index}]";

    public static InvalidRequestException Invalid(string path, string message, string code = "invalid_value") => new(path, message, code);

    public static InvalidRequestException WrongType(string path, string expected) =>
        new(path, $"Invalid type for '{path}': expected {expected}.", "invalid_type");

    public static InvalidRequestException Missing(string path) =>
        new(path, $"Missing required parameter: '{path}'.", "missing_required_parameter");

    public static InvalidRequestException Unsupported(string path, string why) =>
        new(path, $"Unsupported value for '{path}': {why}", "unsupported_value");

    /// <summary>The property, or false when it is absent or JSON null.</summary>
    public static bool TryGet(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public static string? OptString(JsonElement obj, string name, string parent)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw WrongType(Path(parent, name), "a string");
    }

    public static string ReqString(JsonElement obj, string name, string parent) =>
        OptString(obj, name, parent) ?? throw Missing(Path(parent, name));

    public static bool? OptBool(JsonElement obj, string name, string parent)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(Path(parent, name), "a boolean"),
        };
    }

    public static double? OptNumber(JsonElement obj, string name, string parent, double min, double max)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw WrongType(Path(parent, name), "a number");
        }

        var number = value.GetDouble();
        return number >= min && number <= max
            ? number
            : throw Invalid(Path(parent, name), $"Invalid '{Path(parent, name)}': expected a number between {min} and {max}.");
    }

    public static int? OptInt(JsonElement obj, string name, string parent, int min)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw WrongType(Path(parent, name), "an integer");
        }

        return number >= min ? number : throw Invalid(Path(parent, name), $"Invalid '{Path(parent, name)}': expected an integer of at least {min}.");
    }

    public static JsonElement? OptObject(JsonElement obj, string name, string parent)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Object ? value : throw WrongType(Path(parent, name), "an object");
    }

    public static JsonElement? OptArray(JsonElement obj, string name, string parent)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Array ? value : throw WrongType(Path(parent, name), "an array");
    }

    public static void RequireObject(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw WrongType(path, "an object");
        }
    }

    /// <summary>A JSON schema given as an object (its raw text), or the empty object schema when absent.</summary>
    public static string SchemaText(JsonElement obj, string name, string parent) =>
        OptObject(obj, name, parent) is { } schema ? schema.GetRawText() : EmptyObjectSchema;

    public const string EmptyObjectSchema = """{"type":"object","properties":{}}""";

    /// <summary>Reasoning effort values OpenAI accepts; Anthropic's <c>max</c> maps to <c>high</c> (the highest effort
    /// every OpenAI reasoning model takes: an unsupported <c>xhigh</c> would fail the whole request).</summary>
    public static string Effort(string value, string path) => value switch
    {
        "none" or "minimal" or "low" or "medium" or "high" or "xhigh" => value,
        "max" => "high",
        _ => throw Invalid(path, $"Invalid value: '{value}'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high' and 'xhigh'."),
    };

    /// <summary>Stop sequences as a string or an array of strings.</summary>
    public static void ReadStops(JsonElement obj, string name, List<string> into)
    {
        if (!TryGet(obj, name, out var value))
        {
            return;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            into.Add(value.GetString()!);
            return;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, "a string or an array of strings");
        }

        var i = 0;
        foreach (var stop in value.EnumerateArray())
        {
            if (stop.ValueKind != JsonValueKind.String)
            {
                throw WrongType(Path(name, i), "a string");
            }

            into.Add(stop.GetString()!);
            i++;
        }
    }

    /// <summary>Splits a <c>data:{media};base64,{data}</c> URL; false for any other URL.</summary>
    public static bool TrySplitDataUrl(string url, out string mediaType, out string data)
    {
        mediaType = data = string.Empty;
        if (!url.StartsWith("data:", StringComparison.Ordinal))
        {
            return false;
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        var marker = url.IndexOf(";base64", StringComparison.Ordinal);
        if (comma < 0 || marker < 0 || marker > comma)
        {
            return false;
        }

        mediaType = url[5..marker];
        data = url[(comma + 1)..];
        return mediaType.Length > 0;
    }

    public static ImagePart ImageFromUrl(string url, string? detail, string path)
    {
        if (TrySplitDataUrl(url, out var media, out var data))
        {
            return new ImagePart { MediaType = media, Data = data, Detail = detail };
        }

        if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return new ImagePart { Url = url, Detail = detail };
        }

        throw Invalid(path, $"Invalid '{path}': expected an http(s) URL or a base64 data URL.");
    }
}
