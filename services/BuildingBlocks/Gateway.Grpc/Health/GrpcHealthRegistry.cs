using System.Threading.Channels;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Gateway.Grpc;

/// <summary>
/// The statuses the grpc.health.v1 service reports (a singleton). "" is the server as a whole and starts as
/// SERVING; other services are unknown until set. Watch streams see every change.
/// </summary>
public sealed class GrpcHealthRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal) { [""] = ServingStatus.Serving };
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = new(StringComparer.Ordinal);
    private bool _shutdown;

    /// <summary>Sets a service's status ("" = the whole server). Ignored after <see cref="Shutdown"/>.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (status == ServingStatus.ServiceUnknown)
        {
            throw new ArgumentException("SERVICE_UNKNOWN is reported by Watch only; use ClearStatus to forget a service.", nameof(status));
        }

        lock (_lock)
        {
            if (_shutdown)
            {
                return;
            }

            _statuses[service] = status;
            Notify(service, status);
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND and watchers see SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (!_shutdown && _statuses.Remove(service))
            {
                Notify(service, ServingStatus.ServiceUnknown);
            }
        }
    }

    public bool TryGetStatus(string service, out ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            return _statuses.TryGetValue(service, out status);
        }
    }

    /// <summary>
    /// Marks every service NOT_SERVING, ends every Watch stream and ignores later updates (called when the
    /// application stops, so load balancers drain it and long-lived watches do not hold shutdown up).
    /// </summary>
    public void Shutdown()
    {
        lock (_lock)
        {
            if (_shutdown)
            {
                return;
            }

            _shutdown = true;
            foreach (var service in _statuses.Keys.ToList())
            {
                _statuses[service] = ServingStatus.NotServing;
            }

            foreach (var (service, channels) in _watchers)
            {
                var status = _statuses.ContainsKey(service) ? ServingStatus.NotServing : ServingStatus.ServiceUnknown;
                foreach (var channel in channels)
                {
                    channel.Writer.TryWrite(status);
                    channel.Writer.TryComplete();
                }
            }
        }
    }

    /// <summary>Subscribes to a service's status; the reader yields the current status first, then changes.</summary>
    internal Subscription Watch(string service)
    {
        // Capacity 1, drop oldest: a slow watcher skips to the latest status rather than queueing history.
        var channel = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
        lock (_lock)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var current) ? current : ServingStatus.ServiceUnknown);
            if (_shutdown)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                if (!_watchers.TryGetValue(service, out var list))
                {
                    list = [];
                    _watchers[service] = list;
                }

                list.Add(channel);
            }
        }

        return new Subscription(this, service, channel);
    }

    private void Notify(string service, ServingStatus status)
    {
        if (_watchers.TryGetValue(service, out var channels))
        {
            foreach (var channel in channels)
            {
                channel.Writer.TryWrite(status);
            }
        }
    }

    private void Unsubscribe(string service, Channel<ServingStatus> channel)
    {
        lock (_lock)
        {
            if (_watchers.TryGetValue(service, out var list))
            {
                list.Remove(channel);
                if (list.Count == 0)
                {
                    _watchers.Remove(service);
                }
            }
        }
    }

    internal sealed class Subscription(GrpcHealthRegistry registry, string service, Channel<ServingStatus> channel) : IDisposable
    {
        public ChannelReader<ServingStatus> Reader => channel.Reader;

        public void Dispose() => registry.Unsubscribe(service, channel);
    }
}
