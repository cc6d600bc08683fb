using System.Collections.Concurrent;
using Gateway.Auth.V1;
using Gateway.Ingress.Dependencies;
using Gateway.Metering.V1;
using Gateway.Quota.V1;
using Gateway.Routing.V1;

namespace Gateway.Ingress.Tests.Fakes;

/// <summary>
/// In-memory Auth, Quota, Routing and Metering for the Ingress. Failure modes are chosen by the data a test sends
/// (a key, a key id, a model name), so tests sharing one app never disturb each other.
/// </summary>
internal sealed class FakeDependencies : IKeyVerifier, IQuotaGate, IRouteResolver, IKeyAdmin, IUsageReader
{
    public const string ValidKey = "sk-test-valid-0001";
    public const string RevokedKey = "sk-test-revoked-0001";
    public const string LimitedKey = "sk-test-limited-0001";     // may only use "allowed-model" (and aliases of it)
    public const string RateLimitedKey = "sk-test-ratelimited-0001";
    public const string AuthDownKey = "sk-test-auth-down";        // Verify throws DependencyUnavailableException
    public const string AuthHangKey = "sk-test-auth-hang";        // Verify never completes and ignores its token
    public const string QuotaDownKey = "sk-test-quota-down";

    public const string Model = "gpt-test";
    public const string UpstreamModel = "gpt-test-upstream-2025";
    public const string ModelAlias = "gpt-test-latest";
    public const string AllowedModel = "allowed-model";
    public const string AliasOfAllowed = "allowed-alias";
    public const string DeadUpstreamModel = "dead-upstream";
    public const string AnthropicModel = "claude-test";
    public const string RecordedAnthropicModel = "claude-sonnet-5-5";   // the model of the recorded Anthropic SDK requests
    public const string RoutingDownModel = "routing-down";
    public const string RoutingHangModel = "routing-hang";
    public const string ProviderId = "fake-openai";

    private readonly ConcurrentDictionary<string, ApiKey> _keysById = new();
    private readonly ConcurrentDictionary<string, Route> _routes = new();
    private int _created;

    public FakeDependencies(string upstreamBaseUrl, string deadBaseUrl, string providerKey)
    {
        Pricing = new Pricing
        {
            InputPerMtokMicros = 2_500_000,
            OutputPerMtokMicros = 10_000_000,
            CachedInputPerMtokMicros = 1_250_000,
            CacheWritePerMtokMicros = 3_000_000,
        };
        var provider = new Provider { Id = ProviderId, Wire = WireKind.OpenaiChat, BaseUrl = upstreamBaseUrl, ApiKey = providerKey };
        _routes[Model] = new Route
        {
            Model = Model, UpstreamModel = UpstreamModel, Provider = provider, Pricing = Pricing,
            Capabilities = new Capabilities { Chat = true, Tools = true, Vision = true, Json = true, Embeddings = true, Images = true },
        };
        _routes[ModelAlias] = _routes[Model];
        _routes[AllowedModel] = new Route { Model = AllowedModel, UpstreamModel = UpstreamModel, Provider = provider, Pricing = Pricing };
        _routes[AliasOfAllowed] = _routes[AllowedModel];
        _routes[DeadUpstreamModel] = new Route
        {
            Model = DeadUpstreamModel,
            UpstreamModel = UpstreamModel,
            Provider = new Provider { Id = "dead", Wire = WireKind.OpenaiChat, BaseUrl = deadBaseUrl, ApiKey = providerKey },
            Pricing = Pricing,
        };
        _routes[AnthropicModel] = new Route
        {
            Model = AnthropicModel,
            UpstreamModel = "claude-upstream",
            Provider = new Provider { Id = "fake-anthropic", Wire = WireKind.AnthropicMessages, BaseUrl = upstreamBaseUrl, ApiKey = providerKey },
            Pricing = Pricing,
        };

        _routes[RecordedAnthropicModel] = _routes[AnthropicModel];

        AddKey(ValidKey, new ApiKey { KeyId = "key-valid", TenantId = "tenant-a", Name = "valid" });
        AddKey(LimitedKey, new ApiKey { KeyId = "key-limited", TenantId = "tenant-a", Name = "limited", AllowedModels = { AllowedModel } });
        AddKey(RateLimitedKey, new ApiKey { KeyId = "key-ratelimited", TenantId = "tenant-a", Name = "ratelimited", RpmLimit = 5 });
        AddKey(QuotaDownKey, new ApiKey { KeyId = "key-quota-down", TenantId = "tenant-a", Name = "quota-down" });
        AddKey(RevokedKey, new ApiKey { KeyId = "key-revoked", TenantId = "tenant-a", Name = "revoked", Revoked = true });
        AddKey("sk-test-metering-down", new ApiKey { KeyId = MeteringDownKeyId, TenantId = "tenant-a", Name = "metering-down" });
    }

    public Pricing Pricing { get; }

    /// <summary>Adds (or replaces) a route, e.g. to a simulator a test fixture started.</summary>
    public void AddRoute(string model, Route route) => _routes[model] = route;

    public ConcurrentDictionary<string, ApiKey> KeysBySecret { get; } = new();

    public ConcurrentDictionary<string, UsageSummary> Usage { get; } = new();

    public ConcurrentQueue<AdmitRequest> Admitted { get; } = new();

    /// <summary>GetKey/RevokeKey of this id report Auth down.</summary>
    public const string AuthDownKeyId = "key-auth-down";

    /// <summary>A key that exists but whose usage read reports Metering down.</summary>
    public const string MeteringDownKeyId = "key-metering-down";

    /// <summary>CreateKey for this tenant reports Auth down.</summary>
    public const string AuthDownTenant = "tenant-auth-down";

    private void AddKey(string secret, ApiKey key)
    {
        key.CreatedUnixMs = 1_700_000_000_000;
        key.DisplayPrefix = secret[..8];
        KeysBySecret[secret] = key;
        _keysById[key.KeyId] = key;
    }

    public ValueTask<VerifyKeyResponse> VerifyAsync(string apiKey, CancellationToken ct)
    {
        switch (apiKey)
        {
            case AuthDownKey:
                throw new DependencyUnavailableException(DependencyNames.Auth, new IOException("connection refused"));
            case AuthHangKey:
                return new ValueTask<VerifyKeyResponse>(new TaskCompletionSource<VerifyKeyResponse>().Task);
        }

        if (!apiKey.StartsWith("sk-", StringComparison.Ordinal))
        {
            return ValueTask.FromResult(new VerifyKeyResponse { Result = VerifyResult.Malformed });
        }

        if (!KeysBySecret.TryGetValue(apiKey, out var key))
        {
            return ValueTask.FromResult(new VerifyKeyResponse { Result = VerifyResult.Unknown });
        }

        return ValueTask.FromResult(key.Revoked
            ? new VerifyKeyResponse { Result = VerifyResult.Revoked }
            : new VerifyKeyResponse { Result = VerifyResult.Valid, Key = key });
    }

    public async ValueTask<AdmitResponse> AdmitAsync(AdmitRequest request, CancellationToken ct)
    {
        Admitted.Enqueue(request);
        if (request.KeyId == "key-quota-down")
        {
            await Task.Yield();
            throw new DependencyUnavailableException(DependencyNames.Quota, null);
        }

        var reset = DateTimeOffset.UtcNow.AddSeconds(42).ToUnixTimeMilliseconds();
        return request.KeyId == "key-ratelimited"
            ? new AdmitResponse { Allowed = false, Limit = 5, Remaining = 0, RetryAfterMs = 2500, ResetUnixMs = reset }
            : new AdmitResponse { Allowed = true, Limit = 60, Remaining = 59, ResetUnixMs = reset };
    }

    public async ValueTask<ResolveResponse> ResolveAsync(string model, CancellationToken ct)
    {
        switch (model)
        {
            case RoutingDownModel:
                await Task.Yield();
                throw new DependencyUnavailableException(DependencyNames.Routing, null);
            case RoutingHangModel:
                // Honours the token, like a well-behaved gRPC client would.
                await Task.Delay(Timeout.Infinite, ct);
                break;
        }

        return _routes.TryGetValue(model, out var route)
            ? new ResolveResponse { Found = true, Route = route }
            : new ResolveResponse { Found = false };
    }

    /// <summary>The catalog as Routing lists it: gpt-test (alias gpt-test-latest), allowed-model (alias allowed-alias),
    /// dead-upstream and claude-test.</summary>
    public ValueTask<ListModelsResponse> ListModelsAsync(CancellationToken ct) => ValueTask.FromResult(new ListModelsResponse
    {
        Models =
        {
            new ModelInfo { Id = Model, OwnedBy = ProviderId, CreatedUnix = 1_700_000_000, Aliases = { ModelAlias }, Wire = WireKind.OpenaiChat },
            new ModelInfo { Id = AllowedModel, OwnedBy = ProviderId, CreatedUnix = 1_700_000_100, Aliases = { AliasOfAllowed }, Wire = WireKind.OpenaiChat },
            new ModelInfo { Id = DeadUpstreamModel, OwnedBy = "dead", CreatedUnix = 1_700_000_200, Wire = WireKind.OpenaiChat },
            new ModelInfo { Id = AnthropicModel, OwnedBy = "fake-anthropic", CreatedUnix = 1_700_000_300, Wire = WireKind.AnthropicMessages },
        },
    });

    public ValueTask<CreateKeyResponse> CreateKeyAsync(CreateKeyRequest request, CancellationToken ct)
    {
        ThrowIfDown(request.TenantId == AuthDownTenant, DependencyNames.Auth);
        var n = Interlocked.Increment(ref _created);
        var secret = $"sk-created-{n:D4}-{Guid.NewGuid():N}";
        var key = new ApiKey
        {
            KeyId = $"key-created-{n}",
            TenantId = request.TenantId,
            Name = request.Name,
            RpmLimit = request.RpmLimit,
            AllowedModels = { request.AllowedModels },
        };
        AddKey(secret, key);
        return ValueTask.FromResult(new CreateKeyResponse { Key = key, ApiKey = secret });
    }

    public ValueTask<GetKeyResponse> GetKeyAsync(string keyId, CancellationToken ct)
    {
        ThrowIfDown(keyId == AuthDownKeyId, DependencyNames.Auth);
        return ValueTask.FromResult(_keysById.TryGetValue(keyId, out var key)
            ? new GetKeyResponse { Found = true, Key = key }
            : new GetKeyResponse { Found = false });
    }

    public ValueTask<RevokeKeyResponse> RevokeKeyAsync(string keyId, CancellationToken ct)
    {
        ThrowIfDown(keyId == AuthDownKeyId, DependencyNames.Auth);
        if (!_keysById.TryGetValue(keyId, out var key))
        {
            return ValueTask.FromResult(new RevokeKeyResponse { Found = false });
        }

        key.Revoked = true;
        return ValueTask.FromResult(new RevokeKeyResponse { Found = true });
    }

    public ValueTask<UsageSummary> GetUsageAsync(string keyId, CancellationToken ct)
    {
        ThrowIfDown(keyId == MeteringDownKeyId, DependencyNames.Metering);
        return ValueTask.FromResult(Usage.TryGetValue(keyId, out var usage) ? usage : new UsageSummary { KeyId = keyId });
    }

    private static void ThrowIfDown(bool down, string dependency)
    {
        if (down)
        {
            throw new DependencyUnavailableException(dependency, null);
        }
    }
}
