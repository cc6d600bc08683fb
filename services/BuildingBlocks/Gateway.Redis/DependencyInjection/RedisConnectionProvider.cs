using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Redis.DependencyInjection;

internal sealed class RedisConnectionProvider(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    : IRedisConnectionProvider, IAsyncDisposable, IDisposable
{
    private readonly Lazy<RedisConnection> _connection = new(() => RedisConnection.Create(options.Value, logger));

    public RedisConnection Connection => _connection.Value;

    public async Task<RedisConnection> GetConnectionAsync(CancellationToken ct = default)
    {
        var connection = Connection;
        if (connection.IsConnected)
        {
            return connection;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.ConnectTimeout);
        try
        {
            await connection.WaitForConnectedAsync(timeout.Token).ConfigureAwait(false);
            return connection;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new RedisConnectionException(
                $"Redis at {connection.Endpoint} is not reachable (not connected within {options.Value.ConnectTimeout.TotalMilliseconds:0} ms); still retrying in the background.");
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public ValueTask DisposeAsync() => _connection.IsValueCreated ? _connection.Value.DisposeAsync() : ValueTask.CompletedTask;
}
