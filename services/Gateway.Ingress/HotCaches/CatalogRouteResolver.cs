using Gateway.Ingress.Dependencies;
using Gateway.Ingress.Telemetry;
using Gateway.Routing.V1;

namespace Gateway.Ingress.HotCaches;

/// <summary>
/// <see cref="IRouteResolver"/> answered from <see cref="LocalCatalog"/> while it is fresh (no call, no allocation),
/// else by the inner resolver (Routing over gRPC): before the first snapshot, and once the stream has been down for
/// longer than <c>Ingress:CatalogMaxStalenessSeconds</c>.
/// </summary>
internal sealed class CatalogRouteResolver(IRouteResolver inner, LocalCatalog catalog, ILogger<CatalogRouteResolver> logger) : IRouteResolver
{
    public ValueTask<ResolveResponse> ResolveAsync(string model, CancellationToken ct) =>
        Local(out var snapshot) ? ValueTask.FromResult(snapshot.Resolve(model)) : inner.ResolveAsync(model, ct);

    public ValueTask<ListModelsResponse> ListModelsAsync(CancellationToken ct) =>
        Local(out var snapshot) ? ValueTask.FromResult(snapshot.Models) : inner.ListModelsAsync(ct);

    private bool Local(out LocalCatalog.Snapshot snapshot)
    {
        var state = catalog.TryGet(out snapshot);
        if (state == LocalCatalog.State.Stale && catalog.ReportStaleOnce())
        {
            Log.CatalogSnapshotTooOld(logger, catalog.Version, (long)catalog.MaxStaleness.TotalSeconds);
        }

        return state == LocalCatalog.State.Fresh;
    }
}
