namespace Gateway.Redis;

/// <summary>The service's shared <see cref="RedisConnection"/>, registered by <see cref="RedisServiceCollectionExtensions.AddRedis"/>.</summary>
public interface IRedisConnectionProvider
{
    /// <summary>
    /// The connection, created on first use; it connects (and reconnects) in the background. Until connected, commands
    /// fail fast with <see cref="RedisConnectionException"/>.
    /// </summary>
    RedisConnection Connection { get; }

    /// <summary>The connection once it is up, waiting at most <see cref="RedisOptions.ConnectTimeout"/>.</summary>
    /// <exception cref="RedisConnectionException">Not connected within the connect timeout.</exception>
    Task<RedisConnection> GetConnectionAsync(CancellationToken ct = default);
}
