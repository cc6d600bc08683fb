using System.Buffers.Binary;
using System.Text.Json;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.OpenAi;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Embeddings;

/// <summary>
/// <c>POST /v1/embeddings</c>: deterministic unit vectors seeded by the model and each input (a string, an array of
/// strings, a token array or an array of token arrays); <c>dimensions</c> (default 256, at most 4096);
/// <c>encoding_format</c> "float" (default) or "base64" (little-endian float32 bytes).
/// </summary>
internal static class EmbeddingsApi
{
    public const int DefaultDimensions = 256;
    public const int MaxDimensions = 4096;
    private const int MaxInputs = 2048;

    public static IEndpointRouteBuilder MapEmbeddingsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/embeddings", EmbeddingsAsync);
        return endpoints;
    }

    private static Task EmbeddingsAsync(HttpContext context, OpenAiWire wire, IOptionsMonitor<SimulatorOptions> options) =>
        JsonEndpoint.RunAsync(context, wire, options, WriteAsync);

    private static async Task<ApiError?> WriteAsync(JsonElement body, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!MessageContent.TryGetOptionalInt(body, "dimensions"u8, 1, out var dimensions) || dimensions > MaxDimensions)
        {
            return Invalid($"Invalid 'dimensions': expected an integer from 1 to {MaxDimensions}.", "dimensions");
        }

        var base64 = false;
        if (body.TryGetProperty("encoding_format"u8, out var format) && format.ValueKind != JsonValueKind.Null)
        {
            if (format.ValueEquals("base64"u8))
            {
                base64 = true;
            }
            else if (!format.ValueEquals("float"u8))
            {
                return Invalid("Invalid 'encoding_format': expected 'float' or 'base64'.", "encoding_format");
            }
        }

        if (!body.TryGetProperty("input"u8, out var input) || !TryReadInputs(input, out var inputs))
        {
            return Invalid("Invalid 'input': expected a non-empty string, an array of non-empty strings, or token arrays (at most 2048).", "input");
        }

        var model = body.GetProperty("model"u8).GetString()!;
        var size = dimensions ?? DefaultDimensions;
        var vector = new float[size];
        var bytes = base64 ? new byte[size * sizeof(float)] : [];
        var promptTokens = 0;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = SimulationRunner.JsonContentType;
        using (var json = new Utf8JsonWriter(response.BodyWriter, SseWriter.JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("object"u8, "list"u8);
            json.WriteStartArray("data"u8);
            for (var i = 0; i < inputs.Count; i++)
            {
                var (text, tokens) = inputs[i];
                promptTokens += tokens;
                Fill(vector, model, text);
                json.WriteStartObject();
                json.WriteString("object"u8, "embedding"u8);
                json.WriteNumber("index"u8, i);
                if (base64)
                {
                    for (var d = 0; d < size; d++)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(d * sizeof(float)), vector[d]);
                    }

                    json.WriteBase64String("embedding"u8, bytes);
                }
                else
                {
                    json.WriteStartArray("embedding"u8);
                    foreach (var value in vector)
                    {
                        json.WriteNumberValue(value);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("model"u8, model);
            json.WriteStartObject("usage"u8);
            json.WriteNumber("prompt_tokens"u8, promptTokens);
            json.WriteNumber("total_tokens"u8, promptTokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(cancellationToken);
        return null;
    }

    /// <summary>A unit vector (L2 norm 1) drawn from a SplitMix64 stream seeded by the model and the text.</summary>
    internal static void Fill(Span<float> vector, string model, string text)
    {
        var digest = new PromptDigest(model);
        digest.BeginMessage("embedding");
        digest.AddText(text);
        var state = digest.Seed;
        double sum = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            // Uniform in [-1, 1) from the top 53 bits.
            var value = ((PromptDigest.Mix(state) >> 11) * (1.0 / (1UL << 53) * 2)) - 1;
            vector[i] = (float)value;
            sum += value * value;
        }

        var scale = sum > 0 ? (float)(1 / Math.Sqrt(sum)) : 1f;
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }

    /// <summary>Each input as text (token arrays joined by spaces) and its token count.</summary>
    private static bool TryReadInputs(JsonElement input, out List<(string Text, int Tokens)> inputs)
    {
        inputs = [];
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                return TryAddText(input, inputs);
            case JsonValueKind.Array when input.GetArrayLength() is > 0 and <= MaxInputs:
                if (input[0].ValueKind == JsonValueKind.Number)
                {
                    return TryAddTokens(input, inputs);
                }

                foreach (var item in input.EnumerateArray())
                {
                    if (!(item.ValueKind == JsonValueKind.String ? TryAddText(item, inputs)
                        : item.ValueKind == JsonValueKind.Array && TryAddTokens(item, inputs)))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    private static bool TryAddText(JsonElement item, List<(string, int)> inputs)
    {
        var text = item.GetString()!;
        if (text.Length == 0)
        {
            return false;
        }

        inputs.Add((text, Math.Max(1, (text.Length + 3) / 4)));
        return true;
    }

    private static bool TryAddTokens(JsonElement tokens, List<(string, int)> inputs)
    {
        var count = tokens.GetArrayLength();
        if (count == 0)
        {
            return false;
        }

        var parts = new string[count];
        var i = 0;
        foreach (var token in tokens.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.Number || !token.TryGetInt32(out var id) || id < 0)
            {
                return false;
            }

            parts[i++] = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        inputs.Add((string.Join(' ', parts), count));
        return true;
    }

    private static ApiError Invalid(string message, string param) => new(StatusCodes.Status400BadRequest, message, Param: param);
}
