namespace Gateway.Grpc;

/// <summary>Options for <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>The handler to send with. Null: the channel creates and owns one pooled <see cref="System.Net.Http.SocketsHttpHandler"/>.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/> (when you supplied one). Default false.</summary>
    public bool DisposeHttpHandler { get; set; }

    /// <summary>TCP connect timeout of the channel's own handler. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest response message accepted (bytes). Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = Protocol.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>The largest request message sent (bytes). Default unlimited.</summary>
    public int MaxSendMessageSize { get; set; } = int.MaxValue;

    /// <summary>The deadline, from the start of the call, for calls that set none. Default none.</summary>
    public TimeSpan? DefaultDeadline { get; set; }

    /// <summary>HTTP/2 PING interval on connections with active calls (dead-peer detection for long streams). Default 60 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a PING may go unanswered before the connection is closed. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long an idle pooled connection is kept. Default 2 min.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
