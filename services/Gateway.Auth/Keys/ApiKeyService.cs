using Microsoft.Extensions.Logging;

namespace Gateway.Auth.Keys;

/// <summary>Creates, verifies, reads and revokes API keys. Never logs a key or a hash.</summary>
internal sealed partial class ApiKeyService(KeyStore store, ApiKeyHasher hasher, AuthMetrics metrics, ILogger<ApiKeyService> logger)
{
    private const int MaxCreateAttempts = 3;

    public async Task<VerifyOutcome> VerifyAsync(string apiKey, CancellationToken cancellationToken)
    {
        var outcome = await VerifyCoreAsync(apiKey, cancellationToken).ConfigureAwait(false);
        metrics.Verified(outcome.Result);
        return outcome;
    }

    private async Task<VerifyOutcome> VerifyCoreAsync(string apiKey, CancellationToken cancellationToken)
    {
        // A malformed key never reaches Redis.
        if (!ApiKeyFormat.IsWellFormed(apiKey))
        {
            return new VerifyOutcome(KeyVerification.Malformed, null);
        }

        var hash = hasher.Hash(apiKey);
        var keyId = await store.FindIdByHashAsync(hash, cancellationToken).ConfigureAwait(false);
        if (keyId is null)
        {
            return new VerifyOutcome(KeyVerification.Unknown, null);
        }

        var key = await store.GetAsync(keyId, cancellationToken).ConfigureAwait(false);
        // The record must carry the very hash that led to it (compared in constant time); a record that does not
        // (a dangling or tampered index entry) authenticates nothing.
        if (key is null || !ApiKeyHasher.HashesEqual(hash, key.Hash))
        {
            LogIndexMismatch(logger, keyId);
            return new VerifyOutcome(KeyVerification.Unknown, null);
        }

        return key.Revoked
            ? new VerifyOutcome(KeyVerification.Revoked, null)
            : new VerifyOutcome(KeyVerification.Valid, key);
    }

    /// <summary>Creates a key; the arguments must have passed <see cref="KeyRequestValidator"/>.</summary>
    public async Task<CreatedKey> CreateAsync(
        string tenantId, string name, IReadOnlyList<string> allowedModels, int rpmLimit, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var apiKey = ApiKeyFormat.NewKey();
            var draft = new KeyRecord(
                ApiKeyFormat.NewKeyId(),
                tenantId,
                name,
                allowedModels,
                rpmLimit,
                CreatedUnixMs: 0,
                Revoked: false,
                hasher.Hash(apiKey),
                ApiKeyFormat.DisplayPrefix(apiKey));
            var created = await store.CreateAsync(draft, cancellationToken).ConfigureAwait(false);
            if (created is { } createdMs)
            {
                LogCreated(logger, draft.KeyId, tenantId);
                return new CreatedKey(draft with { CreatedUnixMs = createdMs }, apiKey);
            }

            // A collision of ~119-bit random ids or ~238-bit keys: practically impossible, but never overwrite.
            if (attempt == MaxCreateAttempts)
            {
                throw new InvalidOperationException("Could not allocate a unique key id.");
            }
        }
    }

    public Task<KeyRecord?> GetAsync(string keyId, CancellationToken cancellationToken) =>
        store.GetAsync(keyId, cancellationToken);

    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        var found = await store.RevokeAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (found)
        {
            LogRevoked(logger, keyId);
        }

        return found;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {KeyId} for tenant {TenantId}")]
    private static partial void LogCreated(ILogger logger, string keyId, string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked API key {KeyId}")]
    private static partial void LogRevoked(ILogger logger, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The hash index points at key {KeyId}, whose record does not carry that hash; treating the key as unknown")]
    private static partial void LogIndexMismatch(ILogger logger, string keyId);
}
