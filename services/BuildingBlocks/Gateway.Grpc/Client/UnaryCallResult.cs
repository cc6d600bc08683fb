namespace Gateway.Grpc;

/// <summary>A unary call's response with the metadata that came with it.</summary>
public sealed record UnaryCallResult<TResponse>(TResponse Response, Metadata ResponseHeaders, Metadata Trailers);
