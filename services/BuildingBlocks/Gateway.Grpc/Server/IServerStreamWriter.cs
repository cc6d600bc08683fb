namespace Gateway.Grpc;

/// <summary>Writes the responses of a server-streaming call. Not thread-safe: one write at a time.</summary>
public interface IServerStreamWriter<in T>
{
    /// <summary>Writes and flushes one message. Throws <see cref="OperationCanceledException"/> once the call is
    /// cancelled or past its deadline.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
