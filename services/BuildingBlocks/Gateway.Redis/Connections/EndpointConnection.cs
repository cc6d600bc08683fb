using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Gateway.Redis.Connections;

/// <summary>
/// A logical connection to one endpoint: the current <see cref="PhysicalConnection"/> (or none while down), the
/// handshake run on every (re)connect (AUTH, SELECT, CLIENT SETNAME), the background reconnect loop with capped
/// exponential backoff, and command timeouts. Commands issued while down fail at once with
/// <see cref="RedisConnectionException"/>; nothing is queued for later or re-sent.
/// </summary>
internal sealed class EndpointConnection : IAsyncDisposable
{
    private static readonly TimeSpan InitialReconnectDelay = TimeSpan.FromMilliseconds(50);

    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly string _role;
    private readonly Action<RedisResult>? _onPush;
    private readonly Action<PhysicalConnection>? _onConnected;
    private readonly CancellationTokenSource _disposeCts = new();
    // Every command with a deadline, in send order. All share one timeout, so deadlines are (nearly) ascending and the
    // sweep only ever looks at the head: completed commands are dropped, expired ones failed.
    private readonly ConcurrentQueue<PendingCommand> _timeouts = new();
    private readonly Timer? _sweepTimer;
    private readonly long _timeoutTicks;
    private PhysicalConnection? _current;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _reconnectLoop = Task.CompletedTask;
    private int _reconnecting;
    private int _sweeping;
    private int _disposed;

    /// <param name="role">"interactive" or "pub/sub", for log messages.</param>
    /// <param name="onPush">Pub/sub only: receives message frames (on the read loop; must not block).</param>
    /// <param name="onConnected">Called after every successful (re)connect, once the new connection is current.</param>
    public EndpointConnection(RedisOptions options, ILogger logger, string role, Action<RedisResult>? onPush = null, Action<PhysicalConnection>? onConnected = null)
    {
        _options = options;
        _logger = logger;
        _role = role;
        _onPush = onPush;
        _onConnected = onConnected;
        Endpoint = options.Endpoint;
        if (options.CommandTimeout != Timeout.InfiniteTimeSpan)
        {
            _timeoutTicks = (long)(options.CommandTimeout.TotalSeconds * Stopwatch.Frequency);
            var period = TimeSpan.FromMilliseconds(Math.Clamp(options.CommandTimeout.TotalMilliseconds / 10, 5, 100));
            _sweepTimer = new Timer(static state => ((EndpointConnection)state!).SweepTimeouts(), this, period, period);
        }
    }

    public event Action<bool>? StateChanged;

    public string Endpoint { get; }

    public PhysicalConnection? Current => Volatile.Read(ref _current);

    public bool IsConnected => Current is not null;

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The first connect, in the caller's flow; throws <see cref="RedisConnectionException"/> if it fails (no retry loop is started then).</summary>
    public async Task ConnectAsync(CancellationToken ct)
    {
        var physical = await EstablishAsync(ct).ConfigureAwait(false);
        Publish(physical);
    }

    /// <summary>Connects in the background, retrying with backoff until it succeeds or the connection is disposed.</summary>
    public void StartConnecting() => StartReconnectLoop();

    public Task WaitForConnectedAsync(CancellationToken ct) => Volatile.Read(ref _connected).Task.WaitAsync(ct);

    public Task<RedisResult> SendAsync(string command, RedisValue[] args, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            return Task.FromCanceled<RedisResult>(ct);
        }

        if (IsDisposed)
        {
            return Task.FromException<RedisResult>(new ObjectDisposedException(nameof(RedisConnection)));
        }

        var physical = Current;
        return physical is null
            ? Task.FromException<RedisResult>(NotConnected(command))
            : SendOn(physical, command, args, ct);
    }

    /// <summary>Queues a command on a given physical connection. The queueing is synchronous: the order of calls is the wire order.</summary>
    public Task<RedisResult> SendOn(PhysicalConnection physical, string command, RedisValue[] args, CancellationToken ct, bool withTimeout = true)
    {
        var deadline = withTimeout && _timeoutTicks > 0 ? Stopwatch.GetTimestamp() + _timeoutTicks : long.MaxValue;
        var pending = new PendingCommand(command, args, deadline);
        if (!physical.TryEnqueue(pending))
        {
            return Task.FromException<RedisResult>(NotConnected(command));
        }

        if (deadline != long.MaxValue)
        {
            _timeouts.Enqueue(pending);
        }

        if (ct.CanBeCanceled)
        {
            pending.RegisterCancellation(ct);
        }

        return pending.Task;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposeCts.Cancel();
        if (_sweepTimer is not null)
        {
            await _sweepTimer.DisposeAsync().ConfigureAwait(false);
        }

        var physical = Interlocked.Exchange(ref _current, null);
        if (physical is not null)
        {
            physical.Fault(new RedisConnectionException($"The Redis connection to {Endpoint} was disposed."));
            await WaitQuietlyAsync(physical.Completion).ConfigureAwait(false);
        }

        await WaitQuietlyAsync(_reconnectLoop).ConfigureAwait(false);
        var connected = Volatile.Read(ref _connected);
        if (connected.TrySetException(new ObjectDisposedException(nameof(RedisConnection))))
        {
            ObserveFailure(connected.Task);
        }
        _disposeCts.Dispose();
    }

    private async Task<PhysicalConnection> EstablishAsync(CancellationToken ct)
    {
        using var connectCts = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposeCts.Token);
        connectCts.CancelAfter(_options.ConnectTimeout);
        Socket? socket = null;
        PhysicalConnection? physical = null;
        try
        {
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            ConfigureKeepAlive(socket);
            await socket.ConnectAsync(new DnsEndPoint(_options.Host, _options.Port), connectCts.Token).ConfigureAwait(false);
            physical = new PhysicalConnection(socket, Endpoint, _onPush, OnPhysicalFaulted);
            socket = null;
            physical.Start();

            List<Task<RedisResult>> handshake = [];
            if (_options.Password is not null)
            {
                handshake.Add(SendOn(physical, "AUTH", _options.User is null ? [_options.Password] : [_options.User, _options.Password], default, withTimeout: false));
            }

            if (_options.Database != 0)
            {
                handshake.Add(SendOn(physical, "SELECT", [_options.Database], default, withTimeout: false));
            }

            if (!string.IsNullOrEmpty(_options.ClientName))
            {
                handshake.Add(SendOn(physical, "CLIENT", ["SETNAME", _options.ClientName], default, withTimeout: false));
            }

            if (handshake.Count > 0)
            {
                var all = Task.WhenAll(handshake);
                ObserveFailure(all); // when the wait below gives up first, nobody else looks at it
                await all.WaitAsync(connectCts.Token).ConfigureAwait(false);
            }

            return physical;
        }
        catch (Exception ex)
        {
            socket?.Dispose();
            physical?.Fault(new RedisConnectionException("The connection handshake failed.", ex));
            ct.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(IsDisposed, typeof(RedisConnection));
            throw ex switch
            {
                OperationCanceledException => new RedisConnectionException(
                    $"Connecting to Redis at {Endpoint} timed out after {_options.ConnectTimeout.TotalMilliseconds:0} ms."),
                RedisServerException server => new RedisConnectionException(
                    $"Redis at {Endpoint} rejected the connection handshake: {server.Message}", server),
                _ => new RedisConnectionException($"Could not connect to Redis at {Endpoint}: {ex.Message}", ex),
            };
        }
    }

    private void Publish(PhysicalConnection physical)
    {
        if (IsDisposed)
        {
            physical.Fault(new RedisConnectionException($"The Redis connection to {Endpoint} was disposed."));
            return;
        }

        Volatile.Write(ref _current, physical);
        if (physical.IsFaulted)
        {
            // It died between the handshake and becoming current; its own notification was ignored.
            OnConnectionLost(physical, new RedisConnectionException("The connection closed right after the handshake."));
            return;
        }

        Log.Connected(_logger, _role, Endpoint);
        try
        {
            _onConnected?.Invoke(physical);
        }
        catch (Exception ex)
        {
            Log.OnConnectedFailed(_logger, _role, ex);
        }

        Volatile.Read(ref _connected).TrySetResult();
        RaiseStateChanged(true);
    }

    private void OnPhysicalFaulted(PhysicalConnection physical, Exception reason) => OnConnectionLost(physical, reason);

    private void OnConnectionLost(PhysicalConnection physical, Exception reason)
    {
        if (Interlocked.CompareExchange(ref _current, null, physical) != physical)
        {
            return; // not (or no longer) the current connection: a failed handshake or an already handled loss
        }

        var connected = Volatile.Read(ref _connected);
        if (connected.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _connected, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), connected);
        }

        if (IsDisposed)
        {
            return;
        }

        Log.ConnectionLost(_logger, _role, Endpoint, reason.Message);
        RaiseStateChanged(false);
        StartReconnectLoop();
    }

    private void StartReconnectLoop()
    {
        if (IsDisposed || Interlocked.Exchange(ref _reconnecting, 1) != 0)
        {
            return;
        }

        _reconnectLoop = Task.Run(ReconnectLoopAsync);
    }

    private async Task ReconnectLoopAsync()
    {
        var delay = TimeSpan.Zero;
        var attempt = 0;
        while (!IsDisposed)
        {
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _disposeCts.Token).ConfigureAwait(false);
                }

                attempt++;
                var physical = await EstablishAsync(CancellationToken.None).ConfigureAwait(false);
                Volatile.Write(ref _reconnecting, 0);
                Publish(physical);
                return;
            }
            catch (Exception ex) when (!IsDisposed)
            {
                if (attempt == 1)
                {
                    Log.ReconnectFailed(_logger, _role, Endpoint, ex.Message);
                }
                else
                {
                    Log.ReconnectAttemptFailed(_logger, _role, Endpoint, attempt, ex.Message);
                }

                delay = NextDelay(delay);
            }
            catch (Exception) when (IsDisposed)
            {
                return;
            }
        }
    }

    private TimeSpan NextDelay(TimeSpan previous)
    {
        var next = previous == TimeSpan.Zero ? InitialReconnectDelay : previous * 2;
        if (next > _options.ReconnectMaxDelay)
        {
            next = _options.ReconnectMaxDelay;
        }

        // Up to 20% jitter so many clients do not reconnect in lockstep.
        return next * (0.8 + (Random.Shared.NextDouble() * 0.2));
    }

    private void SweepTimeouts()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            var now = Stopwatch.GetTimestamp();
            while (_timeouts.TryPeek(out var pending))
            {
                if (!pending.IsCompleted && pending.Deadline > now)
                {
                    break;
                }

                _timeouts.TryDequeue(out _);
                if (!pending.IsCompleted)
                {
                    pending.TimeOut(_options.CommandTimeout);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private void RaiseStateChanged(bool connected)
    {
        var handler = StateChanged;
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(connected);
        }
        catch (Exception ex)
        {
            Log.StateHandlerFailed(_logger, ex);
        }
    }

    private RedisConnectionException NotConnected(string command) =>
        new($"Redis command {command} was not sent: the {_role} connection to {Endpoint} is down (reconnecting in the background).");

    // The OS notices a peer that vanished without closing the socket (a partition, a deleted pod) after about
    // 15 s idle + 3 probes 5 s apart; the read loop then fails and the reconnect loop takes over. Best effort.
    private static void ConfigureKeepAlive(Socket socket)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 15);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 5);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        }
        catch (SocketException)
        {
            // Not supported on this platform: the OS defaults apply.
        }
        catch (PlatformNotSupportedException)
        {
        }
    }

    private static void ObserveFailure(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static async Task WaitQuietlyAsync(Task task)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Shutting down: the outcome of the loops no longer matters.
        }
    }
}
