using System.Collections.Frozen;
using Gateway.Routing.V1;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.HotCaches;

/// <summary>
/// The routing catalog held in the Ingress, from Routing's <c>WatchCatalog</c> stream (<see cref="CatalogWatcher"/>):
/// every model id and alias mapped to a prebuilt <see cref="ResolveResponse"/> (the same instances for every
/// request), and the model list. It is fresh while the stream is up (Routing pushes each change), and stays usable
/// for <c>Ingress:CatalogMaxStalenessSeconds</c> after the stream went down; after that, or before the first
/// snapshot, callers go to Routing itself.
/// </summary>
internal sealed class LocalCatalog(IOptions<IngressOptions> options, TimeProvider time)
{
    private static readonly ResolveResponse NotFound = new() { Found = false };

    private readonly TimeSpan _maxStaleness = TimeSpan.FromSeconds(options.Value.CatalogMaxStalenessSeconds);
    private volatile Snapshot? _snapshot;
    private volatile bool _connected;
    private long _disconnectedAt;
    private int _staleReported;

    public enum State
    {
        /// <summary>No snapshot yet.</summary>
        None,

        /// <summary>The stream is up, or went down less than the staleness bound ago.</summary>
        Fresh,

        /// <summary>The stream has been down for longer than the staleness bound.</summary>
        Stale,
    }

    public bool IsConnected => _connected;

    public long Version => _snapshot?.Version ?? 0;

    public TimeSpan MaxStaleness => _maxStaleness;

    public State TryGet(out Snapshot snapshot)
    {
        var current = _snapshot;
        snapshot = current!;
        if (current is null)
        {
            return State.None;
        }

        if (_connected || time.GetElapsedTime(Interlocked.Read(ref _disconnectedAt)) <= _maxStaleness)
        {
            return State.Fresh;
        }

        return State.Stale;
    }

    /// <summary>True once per outage, the first time the snapshot is found too old (for a single log line).</summary>
    public bool ReportStaleOnce() => Interlocked.Exchange(ref _staleReported, 1) == 0;

    public void Apply(CatalogSnapshot message)
    {
        _snapshot = new Snapshot(message);
        _connected = true;
        Volatile.Write(ref _staleReported, 0);
    }

    public void MarkDisconnected()
    {
        if (!_connected)
        {
            return;
        }

        Interlocked.Exchange(ref _disconnectedAt, time.GetTimestamp());
        _connected = false;
    }

    /// <summary>One catalog version, indexed; never mutated after it is built.</summary>
    internal sealed class Snapshot
    {
        private readonly FrozenDictionary<string, ResolveResponse> _routes;

        public Snapshot(CatalogSnapshot message)
        {
            Version = message.Version;
            var routes = new Dictionary<string, ResolveResponse>(StringComparer.Ordinal);
            var models = new ListModelsResponse();
            foreach (var entry in message.Entries)
            {
                if (entry.Info is null || entry.Route is null)
                {
                    continue;
                }

                // As Routing's own index: exact, case-sensitive names; a later entry wins a name clash.
                var resolved = new ResolveResponse { Found = true, Route = entry.Route };
                routes[entry.Info.Id] = resolved;
                foreach (var alias in entry.Info.Aliases)
                {
                    routes[alias] = resolved;
                }

                models.Models.Add(entry.Info);
            }

            _routes = routes.ToFrozenDictionary(StringComparer.Ordinal);
            Models = models;
        }

        public long Version { get; }

        public ListModelsResponse Models { get; }

        public ResolveResponse Resolve(string model) => _routes.GetValueOrDefault(model) ?? NotFound;
    }
}
