using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.OpenAi;

internal static class OpenAiApi
{
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/chat/completions", ChatCompletionsAsync);
        return endpoints;
    }

    private static Task ChatCompletionsAsync(HttpContext context, SimulationRunner runner, OpenAiWire wire) =>
        runner.RunAsync(context, wire);
}
