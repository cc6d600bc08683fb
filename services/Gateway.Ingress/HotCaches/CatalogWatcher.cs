using Gateway.Grpc;
using Gateway.Ingress.Dependencies.Grpc;
using Gateway.Ingress.Telemetry;
using Gateway.Routing.V1;

namespace Gateway.Ingress.HotCaches;

/// <summary>
/// Holds Routing's <c>WatchCatalog</c> stream open and applies each snapshot to <see cref="LocalCatalog"/>. Asks for
/// version 0, so Routing sends its current snapshot at once and a fresh connection is known to be live. Reconnects
/// with exponential backoff and jitter. A half-open connection is detected by HTTP/2 keep-alive pings (the
/// channel's <c>KeepAlivePingDelay</c> plus timeout, about 40 s).
/// </summary>
internal sealed class CatalogWatcher(GrpcDependencyClients clients, LocalCatalog catalog, ILogger<CatalogWatcher> logger)
    : BackgroundService
{
    private static readonly Method<WatchCatalogRequest, CatalogSnapshot> WatchCatalog =
        new(RoutingReflection.Descriptor.Services[0], "WatchCatalog");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new Backoff();
        var request = new WatchCatalogRequest { KnownVersion = 0 };
        while (!stoppingToken.IsCancellationRequested)
        {
            var received = false;
            string reason;
            try
            {
                using var call = clients.Routing.ServerStreamingCall(WatchCatalog, request, new CallOptions(CancellationToken: stoppingToken));
                await foreach (var snapshot in call.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                {
                    var changed = snapshot.Version != catalog.Version || !catalog.IsConnected;
                    catalog.Apply(snapshot);
                    if (!received)
                    {
                        received = true;
                        backoff.Reset();
                    }

                    if (changed)
                    {
                        Log.CatalogSnapshotApplied(logger, snapshot.Version, snapshot.Entries.Count);
                    }
                }

                reason = "the stream ended";
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                catalog.MarkDisconnected();
                return;
            }
            catch (RpcException ex)
            {
                reason = $"{ex.StatusCode}: {ex.Status.Detail}";
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
            {
                reason = ex.Message;
            }

            var wasConnected = catalog.IsConnected;
            catalog.MarkDisconnected();
            if (wasConnected)
            {
                Log.CatalogStreamLost(logger, catalog.Version, (long)catalog.MaxStaleness.TotalSeconds, reason);
            }
            else
            {
                Log.CatalogStreamAttemptFailed(logger, reason);
            }

            try
            {
                await Task.Delay(backoff.Next(), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
