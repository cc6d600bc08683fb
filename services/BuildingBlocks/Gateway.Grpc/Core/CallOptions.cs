namespace Gateway.Grpc;

/// <summary>Per-call options for the client.</summary>
/// <param name="Headers">Custom request metadata.</param>
/// <param name="Deadline">When the call must be over (UTC; a local time is converted). Sent as grpc-timeout and
/// also enforced locally. Null uses <see cref="GrpcChannelOptions.DefaultDeadline"/>, if any.</param>
/// <param name="CancellationToken">Cancels the call (the server sees the stream reset).</param>
public readonly record struct CallOptions(
    Metadata? Headers = null,
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default);
