using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Redis.DependencyInjection;

/// <summary>"redis": healthy when a PING on the shared connection answers.</summary>
internal sealed class RedisHealthCheck(IRedisConnectionProvider provider) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var connection = provider.Connection;
        if (!connection.IsConnected)
        {
            return HealthCheckResult.Unhealthy($"Not connected to Redis at {connection.Endpoint}.");
        }

        try
        {
            var roundTrip = await connection.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"PING answered in {roundTrip.TotalMilliseconds:0.0} ms.");
        }
        catch (RedisException ex)
        {
            return HealthCheckResult.Unhealthy($"PING to Redis at {connection.Endpoint} failed: {ex.Message}");
        }
    }
}
