using System.Runtime.CompilerServices;
using Gateway.Grpc.Client;

namespace Gateway.Grpc;

/// <summary>A running server-streaming call. Read it once; dispose it (before the end, that cancels the call).</summary>
public sealed class ServerStreamingCall<TResponse> : IDisposable
{
    private readonly IClientCall<TResponse> _call;
    private Task? _start;
    private int _reading;

    internal ServerStreamingCall(IClientCall<TResponse> call) => _call = call;

    /// <summary>The response headers (custom metadata the server sent before its messages).</summary>
    public Task<Metadata> ResponseHeadersAsync => GetHeadersAsync();

    /// <summary>The messages, in order. A final status other than OK throws <see cref="RpcException"/>.</summary>
    public async IAsyncEnumerable<TResponse> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("A streaming call's responses can be read only once.");
        }

        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((IClientCall<TResponse>)state!).CancelByCaller(), _call)
            : default;
        await Start().ConfigureAwait(false);
        while (await _call.MoveNextAsync().ConfigureAwait(false))
        {
            yield return _call.Current;
        }
    }

    /// <summary>The final status; throws until the stream has ended.</summary>
    public Status GetStatus() => _call.Status ?? throw new InvalidOperationException("The call has not finished.");

    /// <summary>The trailers; throws until the stream has ended.</summary>
    public Metadata GetTrailers() => _call.Status is null
        ? throw new InvalidOperationException("The call has not finished.")
        : _call.Trailers;

    public void Dispose() => _call.Dispose();

    internal Task Start() => _start ??= _call.StartAsync();

    private async Task<Metadata> GetHeadersAsync()
    {
        await Start().ConfigureAwait(false);
        return _call.ResponseHeaders;
    }
}
