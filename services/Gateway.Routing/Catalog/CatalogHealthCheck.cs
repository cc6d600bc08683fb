using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Routing.Catalog;

/// <summary>Ready once the catalog has been loaded (a failed reload keeps the old one, so stays ready).</summary>
internal sealed class CatalogHealthCheck(CatalogStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.IsLoaded
            ? HealthCheckResult.Healthy($"{store.Current.Entries.Count} models, version {store.Current.Version}")
            : HealthCheckResult.Unhealthy("The catalog is not loaded yet."));
}
