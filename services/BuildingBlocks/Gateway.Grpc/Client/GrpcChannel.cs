using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Gateway.Grpc.Client;
using Google.Protobuf;

namespace Gateway.Grpc;

/// <summary>
/// A gRPC client for one server address, over HTTP/2 (prior knowledge for http://, ALPN for https://). Thread-safe;
/// create one per address and keep it: it owns a pooled <see cref="SocketsHttpHandler"/> whose connections are
/// shared by every call.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly ConcurrentDictionary<string, Uri> _methodUris = new(StringComparer.Ordinal);
    private readonly string _baseAddress;
    private readonly bool _disposeInvoker;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        Address = address;
        Options = options;
        _baseAddress = address.GetLeftPart(UriPartial.Authority) + address.AbsolutePath.TrimEnd('/');
        if (options.HttpHandler is { } handler)
        {
            Invoker = new HttpMessageInvoker(handler, disposeHandler: options.DisposeHttpHandler);
            _disposeInvoker = true;
        }
        else
        {
            Invoker = new HttpMessageInvoker(CreateHandler(options), disposeHandler: true);
            _disposeInvoker = true;
        }
    }

    /// <summary>The server address ("http://127.0.0.1:7101").</summary>
    public Uri Address { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        return ForAddress(new Uri(address, UriKind.Absolute), options);
    }

    /// <exception cref="ArgumentException">The address is not absolute http:// or https://, or an option is out of range.</exception>
    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"A gRPC address must be an absolute http:// or https:// URI, not '{address}'.", nameof(address));
        }

        options ??= new GrpcChannelOptions();
        if (options.MaxReceiveMessageSize <= 0 || options.MaxSendMessageSize <= 0)
        {
            throw new ArgumentException("GrpcChannelOptions message size limits must be positive.", nameof(options));
        }

        if (options.DefaultDeadline is { } deadline && deadline <= TimeSpan.Zero)
        {
            throw new ArgumentException("GrpcChannelOptions.DefaultDeadline must be positive.", nameof(options));
        }

        return new GrpcChannel(address, options);
    }

    /// <summary>Makes a unary call. Any status other than OK throws <see cref="RpcException"/>.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        using var call = CreateCall(method, MethodType.Unary, request, options);
        return await ReadUnaryAsync(call).ConfigureAwait(false);
    }

    /// <summary>Makes a unary call and also returns the response headers and trailers.</summary>
    public async Task<UnaryCallResult<TResponse>> UnaryCallAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        using var call = CreateCall(method, MethodType.Unary, request, options);
        var response = await ReadUnaryAsync(call).ConfigureAwait(false);
        return new UnaryCallResult<TResponse>(response, call.ResponseHeaders, call.Trailers);
    }

    /// <summary>
    /// Makes a server-streaming call, started when enumeration starts. A final status other than OK throws
    /// <see cref="RpcException"/>; breaking out of (or disposing) the enumeration cancels the call.
    /// </summary>
    public async IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method,
        TRequest request,
        CallOptions options = default,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        using var call = new ServerStreamingCall<TResponse>(CreateCall(method, MethodType.ServerStreaming, request, options));
        await foreach (var message in call.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return message;
        }
    }

    /// <summary>
    /// Starts a server-streaming call now and returns a handle with its response headers, messages, status and
    /// trailers. Dispose it (disposing before the end cancels the call).
    /// </summary>
    public ServerStreamingCall<TResponse> ServerStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        var call = new ServerStreamingCall<TResponse>(CreateCall(method, MethodType.ServerStreaming, request, options));
        call.Start();
        return call;
    }

    public void Dispose()
    {
        if (_disposeInvoker)
        {
            Invoker.Dispose();
        }
    }

    internal Uri GetMethodUri(string fullName) =>
        _methodUris.GetOrAdd(fullName, static (name, baseAddress) => new Uri(baseAddress + name, UriKind.Absolute), _baseAddress);

    private ClientCall<TRequest, TResponse> CreateCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, MethodType expected, TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Type != expected)
        {
            throw new InvalidOperationException($"{method.FullName} is a {method.Type} method; call it as one.");
        }

        return new ClientCall<TRequest, TResponse>(this, method, request, options);
    }

    private static async Task<TResponse> ReadUnaryAsync<TResponse>(IClientCall<TResponse> call)
    {
        await call.StartAsync().ConfigureAwait(false);
        if (!await call.MoveNextAsync().ConfigureAwait(false))
        {
            throw call.Fail(new Status(StatusCode.Internal, "The server sent no response message for a unary call"));
        }

        var response = call.Current;
        if (await call.MoveNextAsync().ConfigureAwait(false))
        {
            throw call.Fail(new Status(StatusCode.Internal, "The server sent more than one response message for a unary call"));
        }

        return response;
    }

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options) => new()
    {
        ConnectTimeout = options.ConnectTimeout,
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
        KeepAlivePingDelay = options.KeepAlivePingDelay,
        KeepAlivePingTimeout = options.KeepAlivePingTimeout,
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
    };
}
