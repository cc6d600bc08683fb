using System.Text.Json;
using Gateway.Ingress.Usage;

namespace Gateway.Ingress.Upstream;

/// <summary>
/// Small Utf8JsonReader routines over OpenAI Responses payloads (response objects and stream events) and the
/// images API's body, whose <c>usage</c> uses the same names.
/// </summary>
internal static class ResponsesJson
{
    /// <summary>Reads a Responses/images <c>usage</c> object (<c>input_tokens</c>, <c>output_tokens</c>,
    /// <c>input_tokens_details.cached_tokens</c>, <c>output_tokens_details.reasoning_tokens</c>); the reader is on its
    /// StartObject and ends on its EndObject.</summary>
    public static void ReadUsage(ref Utf8JsonReader reader, ref UsageCounts usage)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                usage.Input = OpenAiJson.ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                usage.Output = OpenAiJson.ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("input_tokens_details"u8))
            {
                ReadDetail(ref reader, "cached_tokens"u8, ref usage.CachedInput);
            }
            else if (reader.ValueTextEquals("output_tokens_details"u8))
            {
                ReadDetail(ref reader, "reasoning_tokens"u8, ref usage.Reasoning);
            }
            else
            {
                JsonValues.SkipValue(ref reader);
            }
        }
    }

    private static void ReadDetail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, ref long value)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals(name))
            {
                value = OpenAiJson.ReadCount(ref reader);
            }
            else
            {
                JsonValues.SkipValue(ref reader);
            }
        }
    }

    /// <summary>
    /// Reads a <c>response</c> object (the reader on its StartObject, ending on its EndObject): usage, model, the size
    /// of generated strings in <c>output</c> and its status. Used for the non-streaming body and the terminal events.
    /// </summary>
    public static void ReadResponse(ref Utf8JsonReader reader, ref UsageCounts usage, ref bool usageSeen, ref string? model,
        ref long contentBytes)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                if (JsonValues.EnterObject(ref reader))
                {
                    var read = default(UsageCounts);
                    ReadUsage(ref reader, ref read);
                    usage = read;
                    usageSeen = true;
                }
            }
            else if (model is null && reader.ValueTextEquals("model"u8))
            {
                if (JsonValues.TryReadString(ref reader, out var text))
                {
                    model = text;
                }
            }
            else if (reader.ValueTextEquals("output"u8))
            {
                reader.Read();
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
                {
                    contentBytes += JsonValues.MeasureStrings(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                JsonValues.SkipValue(ref reader);
            }
        }
    }

    /// <summary>Inspects a non-streaming Responses body; false for anything that is not a JSON object.</summary>
    public static bool TryReadResponseBody(ReadOnlySpan<byte> body, ref UsageCounts usage, out bool usageSeen, out string? model,
        out long contentBytes)
    {
        usageSeen = false;
        model = null;
        contentBytes = 0;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            ReadResponse(ref reader, ref usage, ref usageSeen, ref model, ref contentBytes);
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Inspects an images body: a JSON object, its usage and model. Generated image data is not counted as
    /// content (a missing usage is estimated from the prompt only).</summary>
    public static bool TryReadImagesBody(ReadOnlySpan<byte> body, ref UsageCounts usage, out bool usageSeen, out string? model)
    {
        usageSeen = false;
        model = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    if (JsonValues.EnterObject(ref reader))
                    {
                        ReadUsage(ref reader, ref usage);
                        usageSeen = true;
                    }
                }
                else if (reader.ValueTextEquals("model"u8))
                {
                    if (JsonValues.TryReadString(ref reader, out var text))
                    {
                        model = text;
                    }
                }
                else
                {
                    JsonValues.SkipValue(ref reader);
                }
            }

            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads a Responses stream <c>error</c> event (<c>{"type":"error","code","message"}</c>, or with the fields
    /// under <c>error</c>) for an error answered before the first byte. False when there is no message.</summary>
    public static bool TryReadErrorEvent(ReadOnlySpan<byte> json, out string? code, out string message)
    {
        code = null;
        message = string.Empty;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            ReadErrorFields(ref reader, ref code, ref message);
            return message.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void ReadErrorFields(ref Utf8JsonReader reader, ref string? code, ref string message)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = reader.TokenType == JsonTokenType.String ? reader.GetString() : code;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                message = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? string.Empty : message;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("error"u8) || reader.ValueTextEquals("response"u8))
            {
                if (JsonValues.EnterObject(ref reader))
                {
                    ReadErrorFields(ref reader, ref code, ref message);
                }
            }
            else
            {
                JsonValues.SkipValue(ref reader);
            }
        }
    }
}
