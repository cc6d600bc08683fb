namespace Gateway.Grpc;

/// <summary>
/// A call that ended with a status other than OK. Thrown by the client for every failure, and thrown by server
/// handlers to end a call with a chosen status and trailers.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status, Metadata? trailers = null)
        : base(BuildMessage(status))
    {
        Status = status;
        Trailers = trailers ?? new Metadata();
    }

    public RpcException(Status status, Metadata? trailers, Exception? innerException)
        : base(BuildMessage(status), innerException)
    {
        Status = status;
        Trailers = trailers ?? new Metadata();
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>The trailers the peer sent with the status (or, on the server, the trailers to send).</summary>
    public Metadata Trailers { get; }

    private static string BuildMessage(Status status) =>
        $"Status(StatusCode=\"{status.StatusCode}\", Detail=\"{status.Detail}\")";
}
