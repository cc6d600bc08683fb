namespace Gateway.Ingress.Telemetry;

/// <summary>Source-generated log messages. None carries a key, a prompt or a completion.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Request {RequestId}: the {Dependency} service is unavailable")]
    public static partial void DependencyUnavailable(ILogger logger, string requestId, string dependency, Exception exception);

    [LoggerMessage(2, LogLevel.Error, "Request {RequestId} failed inside the gateway")]
    public static partial void RequestFailed(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Request {RequestId}: upstream {Provider} failed before the first byte: {Reason}")]
    public static partial void UpstreamFailedBeforeFirstByte(ILogger logger, string requestId, string provider, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Request {RequestId}: stream from {Provider} ended midway: {Reason}; the client connection was aborted")]
    public static partial void StreamInterrupted(ILogger logger, string requestId, string provider, string reason);

    [LoggerMessage(5, LogLevel.Information, "Request {RequestId}: the client went away; the upstream call was cancelled")]
    public static partial void ClientAborted(ILogger logger, string requestId);

    [LoggerMessage(6, LogLevel.Information, "Request {RequestId}: upstream {Provider} reported no usage; tokens estimated (input {InputTokens}, output {OutputTokens})")]
    public static partial void UsageEstimated(ILogger logger, string requestId, string provider, long inputTokens, long outputTokens);

    [LoggerMessage(7, LogLevel.Warning, "Request {RequestId}: upstream {Provider} answered HTTP {Status}")]
    public static partial void UpstreamErrorStatus(ILogger logger, string requestId, string provider, int status);

    [LoggerMessage(8, LogLevel.Warning, "The usage queue is full; {Parked} usage events are parked in memory until RabbitMQ catches up")]
    public static partial void UsageQueueFull(ILogger logger, long parked);

    [LoggerMessage(9, LogLevel.Warning, "Publishing {Count} usage events failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    public static partial void UsagePublishFailed(ILogger logger, int count, int attempt, double delayMs, Exception exception);

    [LoggerMessage(10, LogLevel.Error, "Shutdown: {Count} usage events could not be published to RabbitMQ and are lost")]
    public static partial void UsageLostOnShutdown(ILogger logger, long count);

    [LoggerMessage(11, LogLevel.Information, "Shutdown: published {Count} queued usage events")]
    public static partial void UsageDrained(ILogger logger, long count);

    [LoggerMessage(12, LogLevel.Warning, "Admin request refused: missing or wrong admin token")]
    public static partial void AdminUnauthorized(ILogger logger);

    [LoggerMessage(13, LogLevel.Error, "A usage event was recorded after the usage queue closed; it is lost")]
    public static partial void UsageRecordedAfterClose(ILogger logger);

    [LoggerMessage(14, LogLevel.Warning, "Admin request: the {Dependency} service is unavailable")]
    public static partial void AdminDependencyUnavailable(ILogger logger, string dependency, Exception exception);
}
