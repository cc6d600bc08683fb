using System.Diagnostics;

namespace Gateway.Grpc;

/// <summary>
/// Tracing. The client starts a Client activity per call on <see cref="ActivitySourceName"/>; SocketsHttpHandler
/// then injects its context as traceparent/tracestate request headers. The server tags the ASP.NET Core hosting
/// activity (which extracted those headers), or starts its own Server activity when hosting has none.
/// Attributes follow the OpenTelemetry RPC conventions (rpc.system, rpc.service, rpc.method, rpc.grpc.status_code).
/// </summary>
public static class GrpcDiagnostics
{
    public const string ActivitySourceName = "Gateway.Grpc";

    internal static readonly ActivitySource Source = new(ActivitySourceName, "1.0.0");

    internal static void SetRpcTags(Activity activity, string service, string method)
    {
        activity.SetTag("rpc.system", "grpc");
        activity.SetTag("rpc.service", service);
        activity.SetTag("rpc.method", method);
    }

    internal static void SetStatus(Activity activity, StatusCode code, bool isServer)
    {
        activity.SetTag("rpc.grpc.status_code", (int)code);

        // OpenTelemetry's RPC conventions: every non-OK status is an error for a client span; a server span
        // is an error only for codes that point at the server.
        var isError = isServer
            ? code is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Unimplemented
                or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss
            : code != StatusCode.OK;
        if (isError)
        {
            activity.SetStatus(ActivityStatusCode.Error, code.ToString());
        }
    }
}
