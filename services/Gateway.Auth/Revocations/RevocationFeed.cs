using System.Threading.Channels;
using Gateway.Auth.Keys;
using Gateway.Auth.V1;
using Gateway.Redis;

namespace Gateway.Auth.Revocations;

/// <summary>
/// This replica's subscription to the revocations of every replica (Redis channel <see cref="KeyStore.RevokedChannel"/>),
/// fanned out to the <c>WatchRevocations</c> streams it serves. A watcher first gets IN_SYNC once the subscription is
/// confirmed, then every revocation. When the pub/sub connection is lost (revocations would be missed) or the
/// service stops, every watcher is ended, so its client stops trusting its cache; watchers that arrive while out of
/// sync wait for the subscription to be back before they get IN_SYNC.
/// </summary>
internal sealed partial class RevocationFeed(RedisConnection redis, IHostApplicationLifetime lifetime, ILogger<RevocationFeed> logger)
    : BackgroundService
{
    /// <summary>Events a watcher may have queued before it is considered too slow and ended (it then resyncs).</summary>
    public const int WatcherCapacity = 1024;

    private static readonly RevocationEvent InSync = new() { Kind = RevocationEventKind.InSync };

    private readonly Lock _lock = new();
    private readonly List<Watcher> _watchers = [];
    private bool _subscribed;
    private bool _down;
    private bool _stopping;
    private bool _wasInSync;

    /// <summary>True while every revocation published reaches this replica.</summary>
    public bool IsInSync
    {
        get
        {
            lock (_lock)
            {
                return InSyncLocked;
            }
        }
    }

    private bool InSyncLocked => _subscribed && !_down && !_stopping;

    /// <summary>Registers a watcher. Dispose it when the call ends.</summary>
    public Watcher Watch()
    {
        var watcher = new Watcher(this);
        lock (_lock)
        {
            if (_stopping)
            {
                watcher.End("The Auth replica is shutting down.");
                return watcher;
            }

            _watchers.Add(watcher);
            if (InSyncLocked)
            {
                watcher.Offer(InSync);
            }
        }

        return watcher;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.SubscriptionStateChanged += OnSubscriptionStateChanged;
        using var stopping = lifetime.ApplicationStopping.Register(static s => ((RevocationFeed)s!).Stop(), this);
        IAsyncDisposable? subscription = null;
        var delay = TimeSpan.FromMilliseconds(100);
        try
        {
            while (subscription is null)
            {
                try
                {
                    subscription = await redis.SubscribeAsync(KeyStore.RevokedChannel, OnRevokedAsync, stoppingToken).ConfigureAwait(false);
                }
                catch (RedisException ex)
                {
                    LogSubscribeFailed(logger, KeyStore.RevokedChannel, ex.Message);
                    await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
                }
            }

            lock (_lock)
            {
                _subscribed = true;
                Update();
            }

            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.SubscriptionStateChanged -= OnSubscriptionStateChanged;
            Stop();
            if (subscription is not null)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void OnSubscriptionStateChanged(bool live)
    {
        lock (_lock)
        {
            _down = !live;
            Update();
        }
    }

    private ValueTask OnRevokedAsync(string channel, RedisValue message)
    {
        var keyId = message.ToString();
        if (string.IsNullOrEmpty(keyId))
        {
            return ValueTask.CompletedTask;
        }

        var revoked = new RevocationEvent { Kind = RevocationEventKind.Revoked, KeyId = keyId };
        lock (_lock)
        {
            for (var i = _watchers.Count - 1; i >= 0; i--)
            {
                if (!_watchers[i].Offer(revoked))
                {
                    _watchers[i].End("The watcher fell too far behind the revocations.");
                    _watchers.RemoveAt(i);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        lock (_lock)
        {
            _stopping = true;
            Update();
        }
    }

    // Called under _lock after a state change: tells waiting watchers they are in sync, or ends every watcher.
    private void Update()
    {
        var inSync = InSyncLocked;
        if (inSync == _wasInSync)
        {
            return;
        }

        _wasInSync = inSync;
        if (inSync)
        {
            LogInSync(logger, _watchers.Count);
            foreach (var watcher in _watchers)
            {
                watcher.Offer(InSync);
            }

            return;
        }

        var reason = _stopping
            ? "The Auth replica is shutting down."
            : "The Auth replica lost its subscription to revocations (Redis pub/sub is down).";
        LogOutOfSync(logger, _watchers.Count, reason);
        foreach (var watcher in _watchers)
        {
            watcher.End(reason);
        }

        _watchers.Clear();
    }

    private void Remove(Watcher watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }
    }

    /// <summary>One <c>WatchRevocations</c> call's queue.</summary>
    internal sealed class Watcher(RevocationFeed feed) : IDisposable
    {
        private readonly Channel<RevocationEvent> _events = Channel.CreateBounded<RevocationEvent>(
            new BoundedChannelOptions(WatcherCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        public ChannelReader<RevocationEvent> Reader => _events.Reader;

        /// <summary>Why the feed ended this watcher (once <see cref="Reader"/> is completed).</summary>
        public string? EndReason { get; private set; }

        public bool Offer(RevocationEvent revocationEvent) => _events.Writer.TryWrite(revocationEvent);

        public void End(string reason)
        {
            EndReason ??= reason;
            _events.Writer.TryComplete();
        }

        public void Dispose()
        {
            _events.Writer.TryComplete();
            feed.Remove(this);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to {Channel} yet ({Reason}); retrying")]
    private static partial void LogSubscribeFailed(ILogger logger, string channel, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revocation feed in sync; {Watchers} watchers told")]
    private static partial void LogInSync(ILogger logger, int watchers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revocation feed out of sync; ending {Watchers} watchers: {Reason}")]
    private static partial void LogOutOfSync(ILogger logger, int watchers, string reason);
}
