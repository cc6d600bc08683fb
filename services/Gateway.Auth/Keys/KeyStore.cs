using System.Globalization;
using System.Text.Json;
using Gateway.Redis;

namespace Gateway.Auth.Keys;

/// <summary>
/// Keys and tenants in Redis. Layout:
/// <list type="bullet">
/// <item><c>auth:keyhash:{hash}</c> string: the key id (the only way in from a presented key)</item>
/// <item><c>auth:key:{keyId}</c> hash: tenant, name, models (JSON array), rpm, created_ms, revoked (0/1),
/// revoked_ms, hash, prefix</item>
/// <item><c>auth:tenant:{tenantId}:keys</c> set of key ids; <c>auth:tenant:{tenantId}</c> hash (created_ms);
/// <c>auth:tenants</c> set of tenant ids</item>
/// </list>
/// Revocations are published on <see cref="RevokedChannel"/> (payload: the key id) for caches to drop the key.
/// </summary>
internal sealed class KeyStore(RedisConnection redis)
{
    public const string RevokedChannel = "auth:revoked";

    // Every write a key needs, atomically; created_ms comes from the Redis clock so replicas agree.
    // Returns the creation time, or 0 when the hash or the key id already exists (a random collision: retry).
    private static readonly RedisScript CreateScript = new("""
        if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
          return 0
        end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('HSET', KEYS[2],
          'tenant', ARGV[2], 'name', ARGV[3], 'models', ARGV[4], 'rpm', ARGV[5],
          'created_ms', now, 'revoked', '0', 'hash', ARGV[6], 'prefix', ARGV[7])
        redis.call('SADD', KEYS[3], ARGV[1])
        redis.call('HSETNX', KEYS[4], 'created_ms', now)
        redis.call('SADD', KEYS[5], ARGV[2])
        return now
        """);

    // Marks the key revoked once (keeping the first revocation time) and announces it every time, so a cache
    // that missed a message can still be told. Returns 0 when there is no such key.
    private static readonly RedisScript RevokeScript = new("""
        if redis.call('EXISTS', KEYS[1]) == 0 then
          return 0
        end
        if redis.call('HGET', KEYS[1], 'revoked') ~= '1' then
          local t = redis.call('TIME')
          redis.call('HSET', KEYS[1], 'revoked', '1',
            'revoked_ms', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
        end
        redis.call('PUBLISH', ARGV[2], ARGV[1])
        return 1
        """);

    public static string HashKey(string hash) => "auth:keyhash:" + hash;

    public static string RecordKey(string keyId) => "auth:key:" + keyId;

    public static string TenantKeysKey(string tenantId) => "auth:tenant:" + tenantId + ":keys";

    public static string TenantKey(string tenantId) => "auth:tenant:" + tenantId;

    public const string TenantsKey = "auth:tenants";

    /// <summary>Stores a new key. Returns its creation time (Redis clock), or null when the id or hash is taken.</summary>
    public async Task<long?> CreateAsync(KeyRecord key, CancellationToken cancellationToken)
    {
        var result = await redis.EvaluateAsync(
            CreateScript,
            [HashKey(key.Hash), RecordKey(key.KeyId), TenantKeysKey(key.TenantId), TenantKey(key.TenantId), TenantsKey],
            [
                key.KeyId,
                key.TenantId,
                key.Name,
                JsonSerializer.Serialize([.. key.AllowedModels], AuthJsonContext.Default.StringArray),
                key.RpmLimit,
                key.Hash,
                key.DisplayPrefix,
            ],
            cancellationToken).ConfigureAwait(false);
        var created = result.AsInt64();
        return created == 0 ? null : created;
    }

    /// <summary>The id of the key whose hash is <paramref name="hash"/>, if any.</summary>
    public async Task<string?> FindIdByHashAsync(string hash, CancellationToken cancellationToken)
    {
        var result = await redis.ExecuteAsync("GET", [HashKey(hash)], cancellationToken).ConfigureAwait(false);
        return result.IsNull ? null : result.AsString();
    }

    public async Task<KeyRecord?> GetAsync(string keyId, CancellationToken cancellationToken)
    {
        var result = await redis.ExecuteAsync("HGETALL", [RecordKey(keyId)], cancellationToken).ConfigureAwait(false);
        var items = result.Items; // empty for a missing key
        if (items.Count == 0)
        {
            return null;
        }

        string? tenant = null, name = null, models = null, rpm = null, created = null, revoked = null, hash = null, prefix = null;
        for (var i = 0; i + 1 < items.Count; i += 2)
        {
            var value = items[i + 1].AsString();
            switch (items[i].AsString())
            {
                case "tenant": tenant = value; break;
                case "name": name = value; break;
                case "models": models = value; break;
                case "rpm": rpm = value; break;
                case "created_ms": created = value; break;
                case "revoked": revoked = value; break;
                case "hash": hash = value; break;
                case "prefix": prefix = value; break;
            }
        }

        if (tenant is null || hash is null)
        {
            // Not written by CreateScript: treat as absent rather than half-trust it.
            return null;
        }

        return new KeyRecord(
            keyId,
            tenant,
            name ?? "",
            string.IsNullOrEmpty(models) ? [] : JsonSerializer.Deserialize(models, AuthJsonContext.Default.StringArray) ?? [],
            int.TryParse(rpm, NumberStyles.None, CultureInfo.InvariantCulture, out var rpmLimit) ? rpmLimit : 0,
            long.TryParse(created, NumberStyles.None, CultureInfo.InvariantCulture, out var createdMs) ? createdMs : 0,
            revoked == "1",
            hash,
            prefix ?? "");
    }

    /// <summary>Revokes a key (idempotent). False when there is no such key.</summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        var result = await redis.EvaluateAsync(RevokeScript, [RecordKey(keyId)], [keyId, RevokedChannel], cancellationToken)
            .ConfigureAwait(false);
        return result.AsInt64() == 1;
    }
}
