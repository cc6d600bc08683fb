using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Gateway.Grpc;

/// <summary>
/// A client-side handle on one RPC, built from the protobuf service descriptor (no generated stubs):
/// <c>new Method&lt;VerifyKeyRequest, VerifyKeyResponse&gt;(AuthReflection.Descriptor.Services[0], "VerifyKey")</c>.
/// Build each once and keep it (a static field).
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : IMessage<TRequest>, new()
    where TResponse : IMessage<TResponse>, new()
{
    /// <exception cref="InvalidOperationException">The service has no such method, its message types are not
    /// <typeparamref name="TRequest"/>/<typeparamref name="TResponse"/>, or it streams from the client.</exception>
    public Method(ServiceDescriptor service, string name)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var descriptor = service.FindMethodByName(name)
            ?? throw new InvalidOperationException($"Service '{service.FullName}' has no method '{name}'.");
        if (descriptor.InputType.ClrType != typeof(TRequest))
        {
            throw new InvalidOperationException(
                $"Method '{service.FullName}/{name}' takes '{descriptor.InputType.FullName}' ({descriptor.InputType.ClrType?.FullName}), not {typeof(TRequest).FullName}.");
        }

        if (descriptor.OutputType.ClrType != typeof(TResponse))
        {
            throw new InvalidOperationException(
                $"Method '{service.FullName}/{name}' returns '{descriptor.OutputType.FullName}' ({descriptor.OutputType.ClrType?.FullName}), not {typeof(TResponse).FullName}.");
        }

        if (descriptor.IsClientStreaming)
        {
            throw new InvalidOperationException(
                $"Method '{service.FullName}/{name}' streams from the client; this gRPC layer supports unary and server-streaming calls only.");
        }

        Descriptor = descriptor;
        ServiceName = service.FullName;
        Name = descriptor.Name;
        FullName = "/" + service.FullName + "/" + descriptor.Name;
        SpanName = service.FullName + "/" + descriptor.Name;
        Type = descriptor.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary;
        ResponseParser = new MessageParser<TResponse>(static () => new TResponse());
    }

    public MethodDescriptor Descriptor { get; }

    /// <summary>"package.Service".</summary>
    public string ServiceName { get; }

    /// <summary>"Method".</summary>
    public string Name { get; }

    /// <summary>"/package.Service/Method", the HTTP/2 :path.</summary>
    public string FullName { get; }

    public MethodType Type { get; }

    internal MessageParser<TResponse> ResponseParser { get; }

    /// <summary>"package.Service/Method", the activity name.</summary>
    internal string SpanName { get; }

    public override string ToString() => FullName;
}
