using System.Text.Json;
using Gateway.Ingress.Usage;

namespace Gateway.Ingress.Upstream;

/// <summary>Anthropic's usage fields as reported; a field given later (message_delta) replaces the earlier value.</summary>
internal struct AnthropicUsage
{
    public long Input;
    public long Output;
    public long CacheRead;
    public long CacheCreation;

    /// <summary>Normalised to <see cref="Gateway.Contracts.UsageRecorded"/>'s convention: input includes cache reads
    /// and cache writes; cached input is the reads, cache write the creations.</summary>
    public readonly UsageCounts Normalise() => new()
    {
        Input = Input + CacheRead + CacheCreation,
        Output = Output,
        CachedInput = CacheRead,
        CacheWrite = CacheCreation,
    };
}

/// <summary>Small Utf8JsonReader routines over Anthropic Messages payloads (bodies and stream events).</summary>
internal static class AnthropicJson
{
    /// <summary>Reads a <c>usage</c> object; the reader is on its StartObject and ends on its EndObject.</summary>
    public static void ReadUsage(ref Utf8JsonReader reader, ref AnthropicUsage usage)
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
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                usage.CacheRead = OpenAiJson.ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                usage.CacheCreation = OpenAiJson.ReadCount(ref reader);
            }
            else
            {
                JsonValues.SkipValue(ref reader);
            }
        }
    }

    /// <summary>True when the body is <c>{"type":"error","error":{"type":"...","message":"..."}}</c>.</summary>
    public static bool IsErrorEnvelope(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            bool typeIsError = false, hasMessage = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    typeIsError = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("error"u8);
                }
                else if (reader.ValueTextEquals("error"u8))
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
                            hasMessage = reader.TokenType == JsonTokenType.String;
                        }
                        else
                        {
                            reader.Read();
                        }

                        reader.Skip();
                    }
                }
                else
                {
                    JsonValues.SkipValue(ref reader);
                }
            }

            return typeIsError && hasMessage && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Inspects a non-streaming Messages body (or a count_tokens answer): a JSON object, its usage, model and the
    /// raw size of its content strings (for an estimate when usage is missing).
    /// </summary>
    public static bool TryReadMessage(ReadOnlySpan<byte> body, ref UsageCounts usage, out bool usageSeen, out string? model,
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

            var raw = default(AnthropicUsage);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    if (JsonValues.EnterObject(ref reader))
                    {
                        ReadUsage(ref reader, ref raw);
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
                else if (reader.ValueTextEquals("content"u8))
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

            if (usageSeen)
            {
                usage = raw.Normalise();
            }

            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
