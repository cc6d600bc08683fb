using Gateway.Grpc;
using Gateway.Redis;

namespace Gateway.ServiceDefaults.Errors;

/// <summary>
/// Turns a failure to reach a dependency into gRPC UNAVAILABLE (retryable, "try again later"), instead of the
/// UNKNOWN an unhandled exception becomes, so callers can tell "the service is down" from "the service is broken".
/// </summary>
public static class DependencyErrors
{
    /// <summary>Redis could not be reached or did not answer in time (a server error reply is not one of these).</summary>
    public static bool IsRedisUnavailable(Exception exception) =>
        exception is RedisConnectionException or RedisTimeoutException;

    public static RpcException RedisUnavailable(Exception exception) =>
        new(new Status(StatusCode.Unavailable, "Redis is unavailable."), null, exception);

    /// <summary>Awaits <paramref name="task"/>, rethrowing Redis connection failures and timeouts as UNAVAILABLE.</summary>
    public static async Task<T> MapRedisUnavailable<T>(this Task<T> task)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisUnavailable(ex))
        {
            throw RedisUnavailable(ex);
        }
    }
}
