using System.Collections.Frozen;
using Gateway.Redis.Connections;
using Gateway.Redis.PubSub;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Redis;

/// <summary>
/// A Redis client for one endpoint: one multiplexed, pipelined connection shared by all callers (thread-safe), plus a
/// second connection for pub/sub, opened on the first subscription. Reconnects by itself; see README.md for the
/// behaviour while disconnected (commands fail fast with <see cref="RedisConnectionException"/>).
/// </summary>
public sealed class RedisConnection : IAsyncDisposable, IDisposable
{
    // Commands that would break a connection shared by many callers (per-connection state, or replies that are not
    // one-per-command). Transactions: use a Lua script through EvaluateAsync. Database: RedisOptions.Database.
    private static readonly FrozenSet<string> RejectedCommands = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
        "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH",
        "SELECT", "AUTH", "HELLO", "RESET", "QUIT", "MONITOR", "SYNC", "PSYNC");

    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly EndpointConnection _interactive;
    private readonly Lock _subscriberLock = new();
    private Subscriber? _subscriber;
    private int _disposed;

    private RedisConnection(RedisOptions options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
        _logger = logger ?? NullLogger.Instance;
        _interactive = new EndpointConnection(_options, _logger, "interactive");
        _interactive.StateChanged += connected => ConnectionStateChanged?.Invoke(connected);
    }

    /// <summary>
    /// Raised with false when the connection is lost and with true when it is (re)established. Raised on the
    /// connection's own threads: keep handlers short. Exceptions from handlers are logged and ignored.
    /// </summary>
    public event Action<bool>? ConnectionStateChanged;

    /// <summary>
    /// The pub/sub connection's state: raised with false when it is lost (messages published from then on are missed)
    /// and with true once it is up again and every subscription is confirmed by the server (messages are delivered
    /// again). Raised on the connection's own threads: keep handlers short. Not raised before the first subscription.
    /// </summary>
    public event Action<bool>? SubscriptionStateChanged;

    /// <summary>True while the command connection is up. Commands issued while false fail at once.</summary>
    public bool IsConnected => _interactive.IsConnected;

    /// <summary><c>host:port</c>.</summary>
    public string Endpoint => _options.Endpoint;

    /// <summary>Connects (TCP, then AUTH / SELECT / CLIENT SETNAME as configured) and returns the connection.</summary>
    /// <exception cref="RedisConnectionException">The first connect failed (no background retry is left running).</exception>
    public static Task<RedisConnection> ConnectAsync(RedisOptions options, CancellationToken ct = default) =>
        ConnectAsync(options, null, ct);

    /// <inheritdoc cref="ConnectAsync(RedisOptions, CancellationToken)"/>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, ILogger? logger, CancellationToken ct = default)
    {
        var connection = new RedisConnection(options, logger);
        try
        {
            await connection._interactive.ConnectAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Returns at once and connects in the background, retrying with backoff until it succeeds. Until then
    /// <see cref="IsConnected"/> is false and commands fail with <see cref="RedisConnectionException"/>;
    /// <see cref="WaitForConnectedAsync"/> waits for the connection.
    /// </summary>
    public static RedisConnection Create(RedisOptions options, ILogger? logger = null)
    {
        var connection = new RedisConnection(options, logger);
        connection._interactive.StartConnecting();
        return connection;
    }

    /// <summary>Completes when the command connection is up (at once if it is).</summary>
    public Task WaitForConnectedAsync(CancellationToken ct = default) => _interactive.WaitForConnectedAsync(ct);

    /// <summary>Sends any command (name and arguments as separate values, e.g. <c>ExecuteAsync("SET", key, value)</c>).</summary>
    /// <exception cref="ArgumentException">A command that cannot run on a shared connection (SUBSCRIBE, MULTI, SELECT, ...).</exception>
    /// <remarks>The task fails with <see cref="RedisServerException"/>, <see cref="RedisConnectionException"/> or <see cref="RedisTimeoutException"/>.</remarks>
    public Task<RedisResult> ExecuteAsync(string command, params RedisValue[] args) => ExecuteCore(command, args, default);

    /// <inheritdoc cref="ExecuteAsync(string, RedisValue[])"/>
    public Task<RedisResult> ExecuteAsync(string command, ReadOnlySpan<RedisValue> args, CancellationToken ct) =>
        ExecuteCore(command, args.ToArray(), ct);

    /// <inheritdoc cref="ExecuteAsync(string, RedisValue[])"/>
    public Task<RedisResult> ExecuteAsync(string command, IReadOnlyList<RedisValue> args, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        var copy = new RedisValue[args.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = args[i];
        }

        return ExecuteCore(command, copy, ct);
    }

    /// <summary>
    /// Runs a Lua script with <c>EVALSHA</c>; when the server does not know the script (<c>NOSCRIPT</c>: first use, after a
    /// restart or <c>SCRIPT FLUSH</c>) it is sent once more with <c>EVAL</c>, which also caches it.
    /// </summary>
    public async Task<RedisResult> EvaluateAsync(RedisScript script, string[]? keys = null, RedisValue[]? args = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        keys ??= [];
        args ??= [];
        var wire = new RedisValue[2 + keys.Length + args.Length];
        wire[0] = script.Sha1;
        wire[1] = keys.Length;
        for (var i = 0; i < keys.Length; i++)
        {
            wire[2 + i] = keys[i];
        }

        args.CopyTo(wire, 2 + keys.Length);
        try
        {
            return await _interactive.SendAsync("EVALSHA", wire, ct).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.ErrorCode == "NOSCRIPT")
        {
            // The EVALSHA reply has arrived, so its write is long done and the array can be reused.
            wire[0] = script.Source;
            return await _interactive.SendAsync("EVAL", wire, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes a message; returns the number of subscribers that received it.</summary>
    public async Task<long> PublishAsync(string channel, RedisValue message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var reply = await _interactive.SendAsync("PUBLISH", [channel, message], ct).ConfigureAwait(false);
        return reply.AsInt64();
    }

    /// <summary>
    /// Subscribes a handler to a channel; completes once the server confirmed the subscription. Handlers run one at a
    /// time in message order, off the socket's read loop; exceptions from them are logged. The subscription survives
    /// reconnects (it is restored automatically; messages published while disconnected are lost, as in Redis itself).
    /// Dispose the returned object to unsubscribe.
    /// </summary>
    /// <param name="handler">Receives (channel, message).</param>
    /// <exception cref="RedisConnectionException">The pub/sub connection is down or cannot be opened.</exception>
    public Task<IAsyncDisposable> SubscribeAsync(string channel, Func<string, RedisValue, ValueTask> handler, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(handler);
        return GetSubscriber().SubscribeAsync(channel, isPattern: false, handler, ct);
    }

    /// <summary>Like <see cref="SubscribeAsync"/> for a glob pattern (<c>PSUBSCRIBE</c>).</summary>
    /// <param name="handler">Receives (pattern, channel, message).</param>
    public Task<IAsyncDisposable> PatternSubscribeAsync(string pattern, Func<string, string, RedisValue, ValueTask> handler, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        return GetSubscriber().SubscribeAsync(pattern, isPattern: true, handler, ct);
    }

    /// <summary>Closes both connections; in-flight commands fail with <see cref="RedisConnectionException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Subscriber? subscriber;
        lock (_subscriberLock)
        {
            subscriber = _subscriber;
        }

        if (subscriber is not null)
        {
            await subscriber.DisposeAsync().ConfigureAwait(false);
        }

        await _interactive.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Synchronous <see cref="DisposeAsync"/>, for containers and callers that dispose synchronously.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>For the typed helpers: known-safe commands skip the shared-connection check.</summary>
    internal Task<RedisResult> SendAsync(string command, RedisValue[] args, CancellationToken ct) =>
        _interactive.SendAsync(command, args, ct);

    private Task<RedisResult> ExecuteCore(string command, RedisValue[] args, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentNullException.ThrowIfNull(args);
        if (RejectedCommands.Contains(command)
            || (args.Length > 0 && string.Equals(command, "CLIENT", StringComparison.OrdinalIgnoreCase) && args[0].ToString().Equals("REPLY", StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException(
                $"{command} cannot run on the shared Redis connection: use SubscribeAsync for pub/sub, EvaluateAsync (Lua) for atomic multi-key work, and RedisOptions.Database for the database.",
                nameof(command));
        }

        return _interactive.SendAsync(command, args, ct);
    }

    private Subscriber GetSubscriber()
    {
        lock (_subscriberLock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_subscriber is null)
            {
                _subscriber = new Subscriber(_options, _logger);
                _subscriber.StateChanged += live => SubscriptionStateChanged?.Invoke(live);
            }

            return _subscriber;
        }
    }
}
