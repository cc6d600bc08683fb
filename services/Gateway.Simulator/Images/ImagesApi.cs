using System.Text.Json;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.OpenAi;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Images;

/// <summary>
/// <c>POST /v1/images/generations</c>: <c>n</c> (1-10) small PNGs (8×8, the colour a hash of the model, prompt and
/// index) as <c>b64_json</c>, whatever <c>size</c> says. <c>response_format: "url"</c> is a 400: the simulator hosts no
/// files. Usage is reported like gpt-image-1's (input tokens of the prompt, a fixed 16 output tokens per image).
/// </summary>
internal static class ImagesApi
{
    public const int Side = 8;
    private const int OutputTokensPerImage = 16;

    public static IEndpointRouteBuilder MapImagesApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/images/generations", GenerateAsync);
        return endpoints;
    }

    private static Task GenerateAsync(HttpContext context, OpenAiWire wire, IOptionsMonitor<SimulatorOptions> options, TimeProvider time) =>
        JsonEndpoint.RunAsync(context, wire, options, (body, response, cancellationToken) => WriteAsync(body, response, time, cancellationToken));

    private static async Task<ApiError?> WriteAsync(JsonElement body, HttpResponse response, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!MessageContent.TryGetString(body, "prompt"u8, out var prompt) || prompt.Length == 0)
        {
            return new ApiError(StatusCodes.Status400BadRequest, "Missing required parameter: 'prompt'.", Param: "prompt");
        }

        if (!MessageContent.TryGetOptionalInt(body, "n"u8, 1, out var n) || n > 10)
        {
            return new ApiError(StatusCodes.Status400BadRequest, "Invalid 'n': expected an integer from 1 to 10.", Param: "n");
        }

        if (body.TryGetProperty("response_format"u8, out var format) && format.ValueKind != JsonValueKind.Null && !format.ValueEquals("b64_json"u8))
        {
            return new ApiError(
                StatusCodes.Status400BadRequest,
                "The simulator returns images only as 'b64_json' (it hosts no files to link to); omit 'response_format' or set it to 'b64_json'.",
                Param: "response_format");
        }

        var model = body.GetProperty("model"u8).GetString()!;
        var inputTokens = Math.Max(1, (prompt.Length + 3) / 4);
        var count = n ?? 1;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = SimulationRunner.JsonContentType;
        using (var json = new Utf8JsonWriter(response.BodyWriter, SseWriter.JsonOptions))
        {
            json.WriteStartObject();
            json.WriteNumber("created"u8, time.GetUtcNow().ToUnixTimeSeconds());
            json.WriteStartArray("data"u8);
            for (var i = 0; i < count; i++)
            {
                json.WriteStartObject();
                json.WriteBase64String("b64_json"u8, Png.Solid(Side, Side, Colour(model, prompt, i)));
                json.WriteString("revised_prompt"u8, prompt);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("usage"u8);
            json.WriteNumber("input_tokens"u8, inputTokens);
            json.WriteStartObject("input_tokens_details"u8);
            json.WriteNumber("text_tokens"u8, inputTokens);
            json.WriteNumber("image_tokens"u8, 0);
            json.WriteEndObject();
            json.WriteNumber("output_tokens"u8, OutputTokensPerImage * count);
            json.WriteNumber("total_tokens"u8, inputTokens + (OutputTokensPerImage * count));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(cancellationToken);
        return null;
    }

    internal static (byte R, byte G, byte B) Colour(string model, string prompt, int index)
    {
        var digest = new PromptDigest(model);
        digest.BeginMessage("image");
        digest.AddText(prompt);
        var hash = PromptDigest.Mix(digest.Seed + (ulong)index);
        return ((byte)hash, (byte)(hash >> 8), (byte)(hash >> 16));
    }
}
