using Gateway.Simulator.Anthropic;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.Embeddings;
using Gateway.Simulator.Images;
using Gateway.Simulator.Models;
using Gateway.Simulator.OpenAi;
using Gateway.Simulator.Responses;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator;

internal static class Extensions
{
    private const string EndpointUrlKey = "Kestrel:Endpoints:Http:Url";

    public static WebApplicationBuilder AddSimulator(this WebApplicationBuilder builder)
    {
        // Listen where Kestrel__Endpoints__Http__Url says, on loopback by default.
        if (string.IsNullOrEmpty(builder.Configuration[EndpointUrlKey]) && string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.Configuration[EndpointUrlKey] = SimulatorApp.DefaultUrl;
        }

        // No transport write buffering: a flush completes only once the socket transport has handed the bytes to
        // the kernel (its pipe pauses the writer at 2 unsent bytes and resumes it at 0). Each SSE event is on the wire
        // when its flush returns. Without this, HttpContext.Abort() (the drop fault) races the transport's send loop
        // and discards events that were flushed but not yet sent: clients saw 0..n of the n deltas. What is in the
        // kernel does reach the client before the abort's RST (Linux delivers queued data before reporting a reset).
        builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = 2);

        var services = builder.Services;
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<SimulatorMetrics>();
        services.AddSingleton<SimulationRunner>();
        services.AddSingleton<OpenAiWire>();
        services.AddSingleton<AnthropicWire>();
        services.AddSingleton<ResponsesWire>();
        return builder;
    }

    public static WebApplication MapSimulator(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        // Claude Code sends HEAD / before its first call; any status is fine, 200 is friendliest.
        app.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], () => Results.Text("Gateway.Simulator"));
        app.MapOpenAiApi();
        app.MapAnthropicApi();
        app.MapResponsesApi();
        app.MapEmbeddingsApi();
        app.MapImagesApi();
        app.MapModelsApi();
        app.MapFallback(UnknownRouteAsync);
        return app;
    }

    /// <summary>Unknown routes answer 404 in the envelope of the wire the client seems to speak.</summary>
    private static Task UnknownRouteAsync(HttpContext context, OpenAiWire openAi, AnthropicWire anthropic)
    {
        IWireFormat wire = context.Request.Headers.ContainsKey("anthropic-version") ? anthropic : openAi;
        var error = new ApiError(
            StatusCodes.Status404NotFound, $"Invalid URL ({context.Request.Method} {context.Request.Path})");
        return wire.WriteErrorAsync(context.Response, error, context.RequestAborted);
    }
}
