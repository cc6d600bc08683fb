namespace Gateway.Grpc;

/// <summary>Server options, set through <see cref="GrpcServerExtensions.AddGrpcServer"/>; validated at start.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>The largest request message accepted (bytes); larger ones end the call with RESOURCE_EXHAUSTED.
    /// Default 4 MiB, as in every gRPC implementation.</summary>
    public int MaxReceiveMessageSize { get; set; } = Protocol.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>The largest response message sent (bytes); a larger one fails the call with RESOURCE_EXHAUSTED.
    /// Default unlimited.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>When true, an unexpected handler exception's type and message go into grpc-message. Off by default:
    /// exceptions are logged, never sent.</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>How long a call whose deadline passed may take to finish writing its status before the stream
    /// is reset instead. Default 5 s.</summary>
    public TimeSpan DeadlineCompletionTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
