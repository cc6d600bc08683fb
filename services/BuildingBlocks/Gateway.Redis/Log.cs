using Microsoft.Extensions.Logging;

namespace Gateway.Redis;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Redis {Role} connection to {Endpoint} established")]
    public static partial void Connected(ILogger logger, string role, string endpoint);

    [LoggerMessage(2, LogLevel.Warning, "Redis {Role} connection to {Endpoint} lost: {Reason}. Reconnecting in the background")]
    public static partial void ConnectionLost(ILogger logger, string role, string endpoint, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Redis {Role} connection to {Endpoint} could not be (re)established: {Reason}. Retrying with backoff")]
    public static partial void ReconnectFailed(ILogger logger, string role, string endpoint, string reason);

    [LoggerMessage(4, LogLevel.Debug, "Redis {Role} reconnect attempt {Attempt} to {Endpoint} failed: {Reason}")]
    public static partial void ReconnectAttemptFailed(ILogger logger, string role, string endpoint, int attempt, string reason);

    [LoggerMessage(5, LogLevel.Error, "A Redis ConnectionStateChanged handler threw")]
    public static partial void StateHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Error, "Redis {Role} post-connect step failed")]
    public static partial void OnConnectedFailed(ILogger logger, string role, Exception exception);

    [LoggerMessage(7, LogLevel.Error, "A Redis pub/sub handler for {Channel} threw")]
    public static partial void SubscriptionHandlerFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "Restoring the Redis subscription to {Channel} after a reconnect failed: {Reason}")]
    public static partial void ResubscribeFailed(ILogger logger, string channel, string reason);

    [LoggerMessage(9, LogLevel.Information, "Restored {Count} Redis subscription(s) after a reconnect")]
    public static partial void Resubscribed(ILogger logger, int count);
}
