using System.Text.Json;
using Gateway.Ingress.Usage;

namespace Gateway.Ingress.Upstream;

/// <summary>Small Utf8JsonReader routines over OpenAI chat-completions payloads (bodies and stream chunks).</summary>
internal static class OpenAiJson
{
    /// <summary>Reads a <c>usage</c> object; the reader is on its StartObject and ends on its EndObject.</summary>
    public static void ReadUsage(ref Utf8JsonReader reader, ref UsageCounts usage)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                usage.Input = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                usage.Output = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    if (reader.ValueTextEquals("cached_tokens"u8))
                    {
                        usage.CachedInput = ReadCount(ref reader);
                    }
                    else
                    {
                        JsonValues.SkipValue(ref reader);
                    }
                }
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    if (reader.ValueTextEquals("reasoning_tokens"u8))
                    {
                        usage.Reasoning = ReadCount(ref reader);
                    }
                    else
                    {
                        JsonValues.SkipValue(ref reader);
                    }
                }
            }
            else
            {
                JsonValues.SkipValue(ref reader);
            }
        }
    }

    /// <summary>Reads a non-negative integer property value; anything else counts as 0.</summary>
    internal static long ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value > 0)
        {
            return value;
        }

        reader.Skip();
        return 0;
    }

    /// <summary>True when the body is <c>{"error":{"message":"...",...}}</c>, the OpenAI error envelope.</summary>
    public static bool IsErrorEnvelope(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var valid = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return false;
                    }

                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        if (reader.ValueTextEquals("message"u8))
                        {
                            reader.Read();
                            valid = reader.TokenType == JsonTokenType.String;
                            if (!valid)
                            {
                                return false;
                            }
                        }
                        else
                        {
                            JsonValues.SkipValue(ref reader);
                        }
                    }
                }
                else
                {
                    JsonValues.SkipValue(ref reader);
                }
            }

            return valid && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Inspects a non-streaming completion body: valid JSON object, its usage, model and the size of the generated
    /// content (for an estimate when usage is missing). Returns false for anything that is not a JSON object.
    /// </summary>
    public static bool TryReadCompletion(ReadOnlySpan<byte> body, ref UsageCounts usage, out bool usageSeen,
        out string? model, out long contentBytes)
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
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        contentBytes += MeasureChoices(ref reader);
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

            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Sums the raw size of <c>choices[].message</c> content, reasoning and tool-call arguments.</summary>
    private static long MeasureChoices(ref Utf8JsonReader reader)
    {
        long total = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    var depth = reader.CurrentDepth;
                    while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
                    {
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            total += reader.ValueSpan.Length;
                        }
                    }
                }
                else
                {
                    JsonValues.SkipValue(ref reader);
                }
            }
        }

        return total;
    }
}
