namespace Gateway.Grpc;

/// <summary>The call shapes this layer supports.</summary>
public enum MethodType
{
    /// <summary>One request, one response.</summary>
    Unary = 0,

    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming = 1,
}
