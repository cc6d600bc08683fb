using Gateway.Grpc;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Dependencies.Grpc;

/// <summary>
/// One gRPC channel per dependency, addressed by <c>Services:Auth</c>, <c>Services:Quota</c>, <c>Services:Routing</c> and
/// <c>Services:Metering</c> (docs/configuration.md). Each channel pools its HTTP/2 connections; calls are multiplexed.
/// </summary>
internal sealed class GrpcDependencyClients : IDisposable
{
    private readonly TimeSpan _deadline;

    public GrpcDependencyClients(IConfiguration configuration, IOptions<IngressOptions> options)
    {
        _deadline = TimeSpan.FromMilliseconds(options.Value.DependencyTimeoutMs);
        Auth = Open(configuration, "Auth");
        Quota = Open(configuration, "Quota");
        Routing = Open(configuration, "Routing");
        Metering = Open(configuration, "Metering");
    }

    public GrpcChannel Auth { get; }

    public GrpcChannel Quota { get; }

    public GrpcChannel Routing { get; }

    public GrpcChannel Metering { get; }

    /// <summary>
    /// Calls a unary method with a deadline the server enforces too, and maps transport failures: UNAVAILABLE and
    /// DEADLINE_EXCEEDED become <see cref="DependencyUnavailableException"/> (a 503 for the client); INVALID_ARGUMENT becomes
    /// <see cref="DependencyRejectedException"/> (a 400 where the caller's input reached the dependency, e.g. admin key creation).
    /// Any other status is a bug or a contract break between services and surfaces as is.
    /// </summary>
    public async ValueTask<TResponse> CallAsync<TRequest, TResponse>(
        GrpcChannel channel, string dependency, Method<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : Google.Protobuf.IMessage<TRequest>, new()
        where TResponse : Google.Protobuf.IMessage<TResponse>, new()
    {
        try
        {
            return await channel.UnaryAsync(method, request, new CallOptions(Deadline: DateTime.UtcNow + _deadline, CancellationToken: cancellationToken))
                .ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new DependencyUnavailableException(dependency, ex);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument)
        {
            throw new DependencyRejectedException(dependency, ex.Status.Detail, ex);
        }
    }

    public void Dispose()
    {
        Auth.Dispose();
        Quota.Dispose();
        Routing.Dispose();
        Metering.Dispose();
    }

    private static GrpcChannel Open(IConfiguration configuration, string name)
    {
        var address = configuration[$"Services:{name}"];
        if (string.IsNullOrWhiteSpace(address) || !Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException(
                $"Services:{name} (env Services__{name}) must be the absolute address of the {name} gRPC service, e.g. http://127.0.0.1:7101.");
        }

        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            // Recycle connections so new replicas behind a Service receive calls too.
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(2),
                EnableMultipleHttp2Connections = true,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            },
            DisposeHttpHandler = true,
        });
    }
}
