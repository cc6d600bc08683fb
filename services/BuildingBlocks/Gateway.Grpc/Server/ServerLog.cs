using Microsoft.Extensions.Logging;

namespace Gateway.Grpc.Server;

internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Error, "gRPC method {Method} threw an unhandled exception; answering {StatusCode}")]
    public static partial void HandlerFailed(ILogger logger, string method, StatusCode statusCode, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "gRPC call {Method} ended with {StatusCode}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(3, LogLevel.Debug, "gRPC call {Method} passed its deadline")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(4, LogLevel.Debug, "gRPC call {Method} was cancelled by the client")]
    public static partial void CancelledByClient(ILogger logger, string method);

    [LoggerMessage(5, LogLevel.Debug, "gRPC call {Method}: could not send the final status")]
    public static partial void StatusWriteFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "gRPC call {Method} passed its deadline and its status could not be written in time; resetting the stream")]
    public static partial void DeadlineResetStream(ILogger logger, string method);

    [LoggerMessage(7, LogLevel.Debug, "gRPC request rejected: {Reason}")]
    public static partial void RequestRejected(ILogger logger, string reason);
}
