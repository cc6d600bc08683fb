using Microsoft.Extensions.Hosting;

namespace Gateway.Redis.DependencyInjection;

/// <summary>Creates the shared connection when the host starts so it connects in the background before the first request
/// (and before the first readiness probe). Never blocks or fails the start: an unreachable Redis only makes "redis" unhealthy.</summary>
internal sealed class RedisConnectionStarter(IRedisConnectionProvider provider) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = provider.Connection;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
