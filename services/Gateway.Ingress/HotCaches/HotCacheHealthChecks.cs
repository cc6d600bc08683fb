using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Ingress.HotCaches;

/// <summary>Degraded (readiness still answers 200) while keys are verified with Auth on every request because the
/// revocation stream is down: the Ingress works, only slower.</summary>
internal sealed class KeyCacheHealthCheck(VerifiedKeyCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(!cache.Enabled || cache.IsServing
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded("Not in sync with Auth's revocation stream: every key is verified with Auth."));
}

/// <summary>Degraded (readiness still answers 200) while the catalog stream from Routing is down: requests are routed
/// from the last snapshot within the staleness bound, then through Routing's unary calls.</summary>
internal sealed class CatalogHealthCheck(LocalCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(catalog.IsConnected
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded("No live catalog stream from Routing."));
}
