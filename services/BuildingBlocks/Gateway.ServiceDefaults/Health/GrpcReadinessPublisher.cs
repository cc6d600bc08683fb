using Gateway.Grpc;
using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.ServiceDefaults.Health;

/// <summary>The fully-qualified gRPC service names ("gateway.auth.v1.AuthService") whose health this process reports.</summary>
internal sealed record GrpcHealthServices(IReadOnlyList<string> Names);

/// <summary>
/// Mirrors readiness into <c>grpc.health.v1</c>: runs the checks tagged "ready" at start and then every
/// <see cref="Interval"/> (every <see cref="NotReadyInterval"/> while not ready, so a starting service turns
/// SERVING soon after its dependencies do), and sets SERVING or NOT_SERVING for the whole server ("") and for
/// each gRPC service.
/// gRPC clients and orchestrators that speak only HTTP/2 (h2c) read readiness this way.
/// </summary>
internal sealed partial class GrpcReadinessPublisher(
    HealthCheckService healthChecks,
    GrpcHealthRegistry registry,
    GrpcHealthServices services,
    ILogger<GrpcReadinessPublisher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan NotReadyInterval = TimeSpan.FromMilliseconds(500);

    private HealthCheckResponse.Types.ServingStatus? _last;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Until the first check has run, nothing is ready.
        Publish(HealthCheckResponse.Types.ServingStatus.NotServing);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // A stopping server takes no new calls; tell the health watchers.
        Publish(HealthCheckResponse.Types.ServingStatus.NotServing);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            HealthCheckResponse.Types.ServingStatus status;
            try
            {
                var report = await healthChecks.CheckHealthAsync(ServiceDefaultsExtensions.IsReadinessCheck, stoppingToken).ConfigureAwait(false);
                // Degraded still takes traffic, as /health/ready answers 200 for it.
                status = report.Status == HealthStatus.Unhealthy
                    ? HealthCheckResponse.Types.ServingStatus.NotServing
                    : HealthCheckResponse.Types.ServingStatus.Serving;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogCheckFailed(logger, ex);
                status = HealthCheckResponse.Types.ServingStatus.NotServing;
            }

            if (status != _last)
            {
                LogStatusChanged(logger, status);
            }

            Publish(status);
            try
            {
                await Task.Delay(status == HealthCheckResponse.Types.ServingStatus.Serving ? Interval : NotReadyInterval, stoppingToken)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Publish(HealthCheckResponse.Types.ServingStatus status)
    {
        _last = status;
        registry.SetStatus("", status);
        foreach (var name in services.Names)
        {
            registry.SetStatus(name, status);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "gRPC health is now {Status}")]
    private static partial void LogStatusChanged(ILogger logger, HealthCheckResponse.Types.ServingStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Running the readiness checks failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
