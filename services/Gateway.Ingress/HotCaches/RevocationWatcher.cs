using Gateway.Auth.V1;
using Gateway.Grpc;
using Gateway.Ingress.Dependencies.Grpc;
using Gateway.Ingress.Telemetry;

namespace Gateway.Ingress.HotCaches;

/// <summary>
/// Holds Auth's <c>WatchRevocations</c> stream open and drives <see cref="VerifiedKeyCache"/>: IN_SYNC starts serving,
/// REVOKED evicts, and the end of the stream (Auth down or restarting, its Redis subscription lost, or no message —
/// not even a heartbeat — for <see cref="StallTimeout"/>) clears the cache and stops serving until the next IN_SYNC.
/// Reconnects with exponential backoff and jitter.
/// </summary>
internal sealed class RevocationWatcher(
    GrpcDependencyClients clients, VerifiedKeyCache cache, ILogger<RevocationWatcher> logger) : BackgroundService
{
    /// <summary>The heartbeat interval asked of Auth.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);

    /// <summary>A stream silent for this long is treated as dead (a half-open connection sends nothing).</summary>
    public static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(6);

    private static readonly Method<WatchRevocationsRequest, RevocationEvent> WatchRevocations =
        new(AuthReflection.Descriptor.Services[0], "WatchRevocations");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!cache.Enabled)
        {
            Log.KeyCacheDisabled(logger);
            return;
        }

        var backoff = new Backoff();
        var request = new WatchRevocationsRequest { HeartbeatIntervalMs = (int)HeartbeatInterval.TotalMilliseconds };
        while (!stoppingToken.IsCancellationRequested)
        {
            var inSync = false;
            string reason;
            using (var stall = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                try
                {
                    using var call = clients.Auth.ServerStreamingCall(WatchRevocations, request, new CallOptions(CancellationToken: stall.Token));
                    stall.CancelAfter(StallTimeout);
                    await foreach (var message in call.ReadAllAsync(stall.Token).ConfigureAwait(false))
                    {
                        stall.CancelAfter(StallTimeout);
                        switch (message.Kind)
                        {
                            case RevocationEventKind.InSync:
                                cache.EnterSync();
                                if (!inSync)
                                {
                                    inSync = true;
                                    backoff.Reset();
                                    Log.KeyCacheInSync(logger, (long)cache.Ttl.TotalSeconds);
                                }

                                break;
                            case RevocationEventKind.Revoked when !string.IsNullOrEmpty(message.KeyId):
                                cache.Revoke(message.KeyId);
                                break;
                        }
                    }

                    reason = "the stream ended";
                }
                catch (Exception) when (stoppingToken.IsCancellationRequested)
                {
                    cache.LeaveSync();
                    return;
                }
                catch (Exception) when (stall.IsCancellationRequested)
                {
                    reason = $"no message for {StallTimeout.TotalSeconds:0} s";
                }
                catch (RpcException ex)
                {
                    reason = $"{ex.StatusCode}: {ex.Status.Detail}";
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
                {
                    reason = ex.Message;
                }
            }

            cache.LeaveSync();
            if (inSync)
            {
                Log.KeyCacheOutOfSync(logger, reason);
            }
            else
            {
                Log.KeyCacheSyncAttemptFailed(logger, reason);
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

/// <summary>Reconnect delays: 100 ms doubling up to 5 s, each with ±20% jitter so replicas do not reconnect in step.</summary>
internal sealed class Backoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);
    private TimeSpan _next = First;

    public TimeSpan Next()
    {
        var delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, Max.Ticks));
        return delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }

    public void Reset() => _next = First;
}
