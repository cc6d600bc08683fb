using System.Text.Json;
using Gateway.Simulator.Behaviour;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Anthropic;

internal static class AnthropicApi
{
    public static IEndpointRouteBuilder MapAnthropicApi(this IEndpointRouteBuilder endpoints)
    {
        // The beta surface (?beta=true, sent by Claude Code and SDK 0.x beta calls) is the same endpoint.
        endpoints.MapPost("/v1/messages", MessagesAsync);
        endpoints.MapPost("/v1/messages/count_tokens", CountTokensAsync);
        return endpoints;
    }

    private static Task MessagesAsync(HttpContext context, SimulationRunner runner, AnthropicWire wire) =>
        runner.RunAsync(context, wire);

    /// <summary>Counts input tokens exactly as a Messages request with the same body would report them.</summary>
    private static async Task CountTokensAsync(HttpContext context, AnthropicWire wire, IOptionsMonitor<SimulatorOptions> options)
    {
        var cancellationToken = context.RequestAborted;
        wire.AddResponseHeaders(context.Response);
        var rejection = ApiKeys.Check(wire, context.Request, options.CurrentValue) ?? wire.ValidateHeaders(context.Request);
        if (rejection is not null)
        {
            await wire.WriteErrorAsync(context.Response, rejection, cancellationToken);
            return;
        }

        ParseResult result;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken);
            result = AnthropicWire.Parse(document.RootElement, requireMaxTokens: false);
        }
        catch (JsonException)
        {
            result = ParseResult.Invalid("There was an error parsing the body of your request.");
        }

        if (result.Request is null)
        {
            await wire.WriteErrorAsync(context.Response, result.Error!, cancellationToken);
            return;
        }

        context.Response.ContentType = SimulationRunner.JsonContentType;
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteNumber("input_tokens"u8, result.Request.InputTokens);
            json.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(cancellationToken);
    }
}
