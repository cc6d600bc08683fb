using Gateway.ServiceDefaults.Health;
using Gateway.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>What every service of the gateway calls: telemetry, health and (for gRPC services) gRPC health.</summary>
public static class ServiceDefaultsExtensions
{
    public const string LivenessPath = "/health/live";
    public const string ReadinessPath = "/health/ready";

    /// <summary>
    /// OpenTelemetry traces, metrics and logs (exported over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
    /// set) and the default health checks. Call it first in Program.cs.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureOpenTelemetry();
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// <c>/health/live</c> (runs no check: the process answers) and <c>/health/ready</c> (every check tagged
    /// <see cref="HealthTags.Ready"/>); for a gRPC service (<see cref="GrpcServiceDefaultsExtensions.AddGrpcServiceDefaults"/>)
    /// also <c>grpc.health.v1.Health</c>.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = static _ => false });
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = IsReadinessCheck });
        app.MapGrpcHealthIfConfigured();
        return app;
    }

    internal static bool IsReadinessCheck(HealthCheckRegistration registration) =>
        registration.Tags.Contains(HealthTags.Ready);
}
