using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.Responses;

internal static class ResponsesApi
{
    public static IEndpointRouteBuilder MapResponsesApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/responses", ResponsesAsync);
        return endpoints;
    }

    private static Task ResponsesAsync(HttpContext context, SimulationRunner runner, ResponsesWire wire) =>
        runner.RunAsync(context, wire);
}
