using System.Threading.Channels;
using Gateway.Redis.Connections;
using Microsoft.Extensions.Logging;

namespace Gateway.Redis.PubSub;

/// <summary>
/// The dedicated pub/sub connection (in RESP2 a subscribed connection can run nothing but (P)(UN)SUBSCRIBE).
/// Keeps the set of channels and patterns with their handlers, sends one SUBSCRIBE per channel (so each command has
/// exactly one confirmation reply and the FIFO stays exact), restores every subscription after a reconnect, and
/// delivers messages from a single dispatch loop fed by an unbounded channel: handlers run in arrival order, one at a
/// time, and a slow handler delays later messages but never the socket read loop.
/// </summary>
internal sealed class Subscriber : IAsyncDisposable
{
    private readonly EndpointConnection _connection;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Subscription[]> _channels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Subscription[]> _patterns = new(StringComparer.Ordinal);
    private readonly Channel<RedisResult> _messages = Channel.CreateUnbounded<RedisResult>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = false });
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly Task _dispatchLoop;
    private bool _everConnected;

    public Subscriber(RedisOptions options, ILogger logger)
    {
        _logger = logger;
        _connection = new EndpointConnection(options, logger, "pub/sub", OnPush, Resubscribe);
        _connection.StateChanged += connected =>
        {
            if (!connected)
            {
                RaiseStateChanged(false);
            }
        };
        _dispatchLoop = Task.Run(DispatchLoopAsync);
    }

    /// <summary>False when the pub/sub connection is lost (messages may be missed from then on); true once it is up
    /// again and every subscription it had is confirmed by the server.</summary>
    public event Action<bool>? StateChanged;

    public bool IsConnected => _connection.IsConnected;

    public async Task<IAsyncDisposable> SubscribeAsync(string name, bool isPattern, Delegate handler, CancellationToken ct)
    {
        await EnsureConnectedAsync(ct).ConfigureAwait(false);
        var subscription = new Subscription(this, name, isPattern, handler);
        Task<RedisResult> confirmation;
        lock (_lock)
        {
            var physical = _connection.Current
                ?? throw new RedisConnectionException($"Cannot subscribe to {name}: the pub/sub connection to {_connection.Endpoint} is down (reconnecting in the background).");
            var map = isPattern ? _patterns : _channels;
            map[name] = map.TryGetValue(name, out var existing) ? [.. existing, subscription] : [subscription];

            // Sent even when the channel already has handlers: SUBSCRIBE is idempotent, and waiting for our own
            // confirmation means the subscription is live on the server when this method returns.
            confirmation = _connection.SendOn(physical, isPattern ? "PSUBSCRIBE" : "SUBSCRIBE", [name], ct);
        }

        try
        {
            await confirmation.ConfigureAwait(false);
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return subscription;
    }

    public async ValueTask RemoveAsync(Subscription subscription)
    {
        Task<RedisResult>? unsubscribe = null;
        lock (_lock)
        {
            var map = subscription.IsPattern ? _patterns : _channels;
            if (!map.TryGetValue(subscription.Name, out var existing))
            {
                return;
            }

            var remaining = Array.FindAll(existing, s => !ReferenceEquals(s, subscription));
            if (remaining.Length == existing.Length)
            {
                return;
            }

            if (remaining.Length > 0)
            {
                map[subscription.Name] = remaining;
                return;
            }

            map.Remove(subscription.Name);
            var physical = _connection.Current;
            if (physical is not null)
            {
                unsubscribe = _connection.SendOn(physical, subscription.IsPattern ? "PUNSUBSCRIBE" : "UNSUBSCRIBE", [subscription.Name], default);
            }
        }

        if (unsubscribe is not null)
        {
            try
            {
                await unsubscribe.ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // Connection lost (the server dropped the subscription with it) or timed out (the handler is already
                // removed, so nothing is delivered either way).
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _messages.Writer.TryComplete();
        try
        {
            await _dispatchLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A handler is still running; it keeps its own reference to what it needs.
        }

        _connectGate.Dispose();
    }

    private async Task EnsureConnectedAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _everConnected))
        {
            return; // from now on the connection reconnects by itself
        }

        await _connectGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_everConnected)
            {
                await _connection.ConnectAsync(ct).ConfigureAwait(false);
                Volatile.Write(ref _everConnected, true);
            }
        }
        finally
        {
            _connectGate.Release();
        }
    }

    // On the read loop: only hand the frame over.
    private void OnPush(RedisResult frame) => _messages.Writer.TryWrite(frame);

    // After a reconnect (the new connection is already current): subscribe again to everything, in one pipelined batch.
    private void Resubscribe(PhysicalConnection physical)
    {
        List<(string Name, Task<RedisResult> Confirmation)> sent = [];
        lock (_lock)
        {
            foreach (var channel in _channels.Keys)
            {
                sent.Add((channel, _connection.SendOn(physical, "SUBSCRIBE", [channel], default)));
            }

            foreach (var pattern in _patterns.Keys)
            {
                sent.Add((pattern, _connection.SendOn(physical, "PSUBSCRIBE", [pattern], default)));
            }
        }

        if (sent.Count > 0)
        {
            _ = ObserveResubscribeAsync(sent);
        }
        else
        {
            RaiseStateChanged(true);
        }
    }

    private async Task ObserveResubscribeAsync(List<(string Name, Task<RedisResult> Confirmation)> sent)
    {
        var restored = 0;
        foreach (var (name, confirmation) in sent)
        {
            try
            {
                await confirmation.ConfigureAwait(false);
                restored++;
            }
            catch (Exception ex)
            {
                Log.ResubscribeFailed(_logger, name, ex.Message);
            }
        }

        Log.Resubscribed(_logger, restored);
        if (restored == sent.Count)
        {
            RaiseStateChanged(true);
        }
    }

    private void RaiseStateChanged(bool live)
    {
        try
        {
            StateChanged?.Invoke(live);
        }
        catch (Exception ex)
        {
            Log.SubscriptionHandlerFailed(_logger, "(state change)", ex);
        }
    }

    private async Task DispatchLoopAsync()
    {
        await foreach (var frame in _messages.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var items = frame.Items;
            var isPattern = items.Count == 4;
            var key = items[1].AsString()!;
            var channel = isPattern ? items[2].AsString()! : key;
            var message = items[^1].AsValue();
            Subscription[]? handlers;
            lock (_lock)
            {
                (isPattern ? _patterns : _channels).TryGetValue(key, out handlers);
            }

            if (handlers is null)
            {
                continue; // unsubscribed while the message was on its way
            }

            foreach (var subscription in handlers)
            {
                try
                {
                    await subscription.InvokeAsync(channel, message).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Log.SubscriptionHandlerFailed(_logger, channel, ex);
                }
            }
        }
    }
}
