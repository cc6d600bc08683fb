using MassTransit;

namespace Gateway.Ingress.Health;

/// <summary>
/// <c>/health/live</c>: 200 while the process runs. <c>/health/ready</c>: 200 once the MassTransit bus is started and
/// healthy (connected to RabbitMQ), else 503. Kept in this one file: the shared ServiceDefaults take these over later.
/// </summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapIngressHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", static () => TypedResults.Text("Healthy"));
        app.MapGet("/health/ready", static (IBusControl bus) =>
        {
            var health = bus.CheckHealth();
            return health.Status == BusHealthStatus.Healthy
                ? Results.Text("Healthy")
                : Results.Text("Unhealthy", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
