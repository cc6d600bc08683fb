using System.Text.Json;
using Gateway.Simulator.Anthropic;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.OpenAi;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Models;

/// <summary>
/// <c>GET /v1/models</c> and <c>GET /v1/models/{id}</c>: the configured model names, in OpenAI's list shape, or in
/// Anthropic's when the request looks like an Anthropic client (an <c>anthropic-version</c> or <c>x-api-key</c> header).
/// </summary>
internal static class ModelsApi
{
    // A fixed creation date keeps responses deterministic: 2025-01-01T00:00:00Z.
    private const long CreatedUnixSeconds = 1735689600;
    private const string CreatedAt = "2025-01-01T00:00:00Z";

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/models", ListAsync);
        endpoints.MapGet("/v1/models/{id}", RetrieveAsync);
        return endpoints;
    }

    private static async Task ListAsync(
        HttpContext context, IOptionsMonitor<SimulatorOptions> options, OpenAiWire openAi, AnthropicWire anthropic)
    {
        var settings = options.CurrentValue;
        var wire = SelectWire(context.Request, openAi, anthropic);
        if (await RejectedAsync(context, wire, settings))
        {
            return;
        }

        var isAnthropic = ReferenceEquals(wire, anthropic);
        context.Response.ContentType = SimulationRunner.JsonContentType;
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter, SseWriter.JsonOptions))
        {
            json.WriteStartObject();
            if (!isAnthropic)
            {
                json.WriteString("object"u8, "list"u8);
            }

            json.WriteStartArray("data"u8);
            foreach (var model in settings.Models)
            {
                WriteModel(json, model, isAnthropic);
            }

            json.WriteEndArray();
            if (isAnthropic)
            {
                json.WriteBoolean("has_more"u8, false);
                WriteNullableString(json, "first_id"u8, settings.Models.Length > 0 ? settings.Models[0] : null);
                WriteNullableString(json, "last_id"u8, settings.Models.Length > 0 ? settings.Models[^1] : null);
            }

            json.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static async Task RetrieveAsync(
        HttpContext context, string id, IOptionsMonitor<SimulatorOptions> options, OpenAiWire openAi, AnthropicWire anthropic)
    {
        var settings = options.CurrentValue;
        var wire = SelectWire(context.Request, openAi, anthropic);
        if (await RejectedAsync(context, wire, settings))
        {
            return;
        }

        if (!settings.AcceptAnyModel && Array.IndexOf(settings.Models, id) < 0)
        {
            await wire.WriteErrorAsync(context.Response, wire.ModelNotFound(id), context.RequestAborted);
            return;
        }

        context.Response.ContentType = SimulationRunner.JsonContentType;
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter, SseWriter.JsonOptions))
        {
            WriteModel(json, id, ReferenceEquals(wire, anthropic));
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static IWireFormat SelectWire(HttpRequest request, OpenAiWire openAi, AnthropicWire anthropic) =>
        request.Headers.ContainsKey("anthropic-version") || request.Headers.ContainsKey("x-api-key") ? anthropic : openAi;

    private static async Task<bool> RejectedAsync(HttpContext context, IWireFormat wire, SimulatorOptions settings)
    {
        wire.AddResponseHeaders(context.Response);
        var rejection = ApiKeys.Check(wire, context.Request, settings);
        if (rejection is null)
        {
            return false;
        }

        await wire.WriteErrorAsync(context.Response, rejection, context.RequestAborted);
        return true;
    }

    private static void WriteModel(Utf8JsonWriter json, string model, bool anthropic)
    {
        json.WriteStartObject();
        if (anthropic)
        {
            json.WriteString("type"u8, "model"u8);
            json.WriteString("id"u8, model);
            json.WriteString("display_name"u8, model);
            json.WriteString("created_at"u8, CreatedAt);
        }
        else
        {
            json.WriteString("id"u8, model);
            json.WriteString("object"u8, "model"u8);
            json.WriteNumber("created"u8, CreatedUnixSeconds);
            json.WriteString("owned_by"u8, "simulator"u8);
        }

        json.WriteEndObject();
    }

    private static void WriteNullableString(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
