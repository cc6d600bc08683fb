using System.Collections.Concurrent;
using Gateway.Auth.V1;
using Gateway.Ingress.Dependencies;

namespace Gateway.Ingress.HotCaches;

/// <summary>
/// <see cref="IKeyVerifier"/> answered from <see cref="VerifiedKeyCache"/> while it is in sync with Auth's revocations,
/// else by the inner verifier (Auth over gRPC). Concurrent misses for the same key share one call to Auth; each
/// caller still waits under its own token.
/// </summary>
internal sealed class CachingKeyVerifier(IKeyVerifier inner, VerifiedKeyCache cache) : IKeyVerifier
{
    private readonly ConcurrentDictionary<KeyHash, Task<VerifyKeyResponse>> _flights = new();

    public ValueTask<VerifyKeyResponse> VerifyAsync(string apiKey, CancellationToken ct)
    {
        if (!cache.IsServing)
        {
            return inner.VerifyAsync(apiKey, ct);
        }

        var hash = KeyHash.Of(apiKey);
        if (cache.TryGet(hash, out var cached))
        {
            return ValueTask.FromResult(cached);
        }

        return new ValueTask<VerifyKeyResponse>(Join(hash, apiKey, ct));
    }

    private Task<VerifyKeyResponse> Join(KeyHash hash, string apiKey, CancellationToken ct)
    {
        while (true)
        {
            if (_flights.TryGetValue(hash, out var flight))
            {
                return flight.WaitAsync(ct);
            }

            var source = new TaskCompletionSource<VerifyKeyResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_flights.TryAdd(hash, source.Task))
            {
                _ = FlyAsync(hash, apiKey, source);
                return source.Task.WaitAsync(ct);
            }
        }
    }

    // The shared call runs under no caller's token: it is bounded by the gRPC deadline (Ingress:DependencyTimeoutMs).
    private async Task FlyAsync(KeyHash hash, string apiKey, TaskCompletionSource<VerifyKeyResponse> source)
    {
        var epoch = cache.Epoch;
        try
        {
            var response = await inner.VerifyAsync(apiKey, CancellationToken.None).ConfigureAwait(false);
            cache.TryAdd(hash, response, epoch);
            _flights.TryRemove(KeyValuePair.Create(hash, source.Task));
            source.TrySetResult(response);
        }
        catch (Exception ex)
        {
            _flights.TryRemove(KeyValuePair.Create(hash, source.Task));
            source.TrySetException(ex);
            // Observed here so that a failure nobody waited for (every caller gave up) is not reported as unobserved.
            _ = source.Task.Exception;
        }
    }
}

/// <summary>Key revocations made through this Ingress's admin API take effect here at once, before the push arrives.</summary>
internal sealed class RevokingKeyAdmin(IKeyAdmin inner, VerifiedKeyCache cache) : IKeyAdmin
{
    public ValueTask<CreateKeyResponse> CreateKeyAsync(CreateKeyRequest request, CancellationToken ct) => inner.CreateKeyAsync(request, ct);

    public ValueTask<GetKeyResponse> GetKeyAsync(string keyId, CancellationToken ct) => inner.GetKeyAsync(keyId, ct);

    public async ValueTask<RevokeKeyResponse> RevokeKeyAsync(string keyId, CancellationToken ct)
    {
        var response = await inner.RevokeKeyAsync(keyId, ct).ConfigureAwait(false);
        cache.Revoke(keyId);
        return response;
    }
}
