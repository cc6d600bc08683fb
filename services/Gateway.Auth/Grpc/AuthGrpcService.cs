using Gateway.Auth.Keys;
using Gateway.Auth.Revocations;
using Gateway.Auth.V1;
using Gateway.Grpc;
using Gateway.ServiceDefaults.Errors;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Gateway.Auth.Grpc;

/// <summary><c>gateway.auth.v1.AuthService</c>: maps the wire messages onto <see cref="ApiKeyService"/>.</summary>
internal sealed class AuthGrpcService(ApiKeyService keys, RevocationFeed revocations)
{
    public static ServiceDescriptor Descriptor => AuthReflection.Descriptor.FindTypeByName<ServiceDescriptor>("AuthService");

    public async Task<VerifyKeyResponse> VerifyKey(VerifyKeyRequest request, ServerCallContext context)
    {
        var outcome = await keys.VerifyAsync(request.ApiKey, context.CancellationToken).MapRedisUnavailable().ConfigureAwait(false);
        var response = new VerifyKeyResponse
        {
            Result = outcome.Result switch
            {
                KeyVerification.Valid => VerifyResult.Valid,
                KeyVerification.Unknown => VerifyResult.Unknown,
                KeyVerification.Revoked => VerifyResult.Revoked,
                KeyVerification.Malformed => VerifyResult.Malformed,
                _ => VerifyResult.Unspecified,
            },
        };
        if (outcome.Key is { } key)
        {
            response.Key = ToMessage(key);
        }

        return response;
    }

    public async Task<CreateKeyResponse> CreateKey(CreateKeyRequest request, ServerCallContext context)
    {
        var error = KeyRequestValidator.ValidateTenantId(request.TenantId)
            ?? KeyRequestValidator.ValidateName(request.Name)
            ?? KeyRequestValidator.ValidateAllowedModels(request.AllowedModels)
            ?? KeyRequestValidator.ValidateRpmLimit(request.RpmLimit);
        if (error is not null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }

        var created = await keys.CreateAsync(
            request.TenantId, request.Name, [.. request.AllowedModels], request.RpmLimit, context.CancellationToken).MapRedisUnavailable().ConfigureAwait(false);
        return new CreateKeyResponse { Key = ToMessage(created.Key), ApiKey = created.ApiKey };
    }

    public async Task<RevokeKeyResponse> RevokeKey(RevokeKeyRequest request, ServerCallContext context)
    {
        // A key id that could not exist is not found: nothing is looked up for it.
        if (!ApiKeyFormat.IsWellFormedKeyId(request.KeyId))
        {
            return new RevokeKeyResponse { Found = false };
        }

        var found = await keys.RevokeAsync(request.KeyId, context.CancellationToken).MapRedisUnavailable().ConfigureAwait(false);
        return new RevokeKeyResponse { Found = found };
    }

    public async Task<GetKeyResponse> GetKey(GetKeyRequest request, ServerCallContext context)
    {
        if (!ApiKeyFormat.IsWellFormedKeyId(request.KeyId))
        {
            return new GetKeyResponse { Found = false };
        }

        var key = await keys.GetAsync(request.KeyId, context.CancellationToken).MapRedisUnavailable().ConfigureAwait(false);
        return key is null ? new GetKeyResponse { Found = false } : new GetKeyResponse { Found = true, Key = ToMessage(key) };
    }

    /// <summary>
    /// Streams IN_SYNC (once this replica's subscription is live), then every revocation, with a HEARTBEAT whenever
    /// nothing was sent for the requested interval. Ends with UNAVAILABLE when the replica falls out of sync or stops.
    /// </summary>
    public async Task WatchRevocations(WatchRevocationsRequest request, IServerStreamWriter<RevocationEvent> stream, ServerCallContext context)
    {
        var interval = TimeSpan.FromMilliseconds(request.HeartbeatIntervalMs == 0
            ? DefaultHeartbeatMs
            : Math.Clamp(request.HeartbeatIntervalMs, MinHeartbeatMs, MaxHeartbeatMs));
        var cancellationToken = context.CancellationToken;
        using var watcher = revocations.Watch();
        var reader = watcher.Reader;
        Task<bool>? pending = null;
        try
        {
            while (true)
            {
                pending ??= reader.WaitToReadAsync(cancellationToken).AsTask();
                using (var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    var first = await Task.WhenAny(pending, Task.Delay(interval, tick.Token)).ConfigureAwait(false);
                    await tick.CancelAsync().ConfigureAwait(false);
                    if (first != pending)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        await stream.WriteAsync(Heartbeat, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                var more = await pending.ConfigureAwait(false);
                pending = null;
                if (!more)
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, watcher.EndReason ?? "The revocation feed ended."));
                }

                while (reader.TryRead(out var revocation))
                {
                    await stream.WriteAsync(revocation, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left (or the deadline passed).
        }
    }

    private const int DefaultHeartbeatMs = 5000;
    private const int MinHeartbeatMs = 100;
    private const int MaxHeartbeatMs = 60_000;
    private static readonly RevocationEvent Heartbeat = new() { Kind = RevocationEventKind.Heartbeat };

    private static ApiKey ToMessage(KeyRecord key)
    {
        var message = new ApiKey
        {
            KeyId = key.KeyId,
            TenantId = key.TenantId,
            Name = key.Name,
            RpmLimit = key.RpmLimit,
            CreatedUnixMs = key.CreatedUnixMs,
            Revoked = key.Revoked,
            DisplayPrefix = key.DisplayPrefix,
        };
        message.AllowedModels.AddRange(key.AllowedModels);
        return message;
    }
}
