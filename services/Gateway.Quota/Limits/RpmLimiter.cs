using System.Security.Cryptography;
using Gateway.Redis;
using Microsoft.Extensions.Options;

namespace Gateway.Quota.Limits;

/// <summary>
/// Requests per minute per key as an exact sliding-window log, one atomic Redis script per admission.
/// <para>
/// The log is a sorted set <c>quota:rpm:{keyId}</c> holding one member per admitted request, scored by its
/// admission time in milliseconds from the Redis server's clock (<c>TIME</c>), so every replica of the service
/// shares one clock and one log. An admission at time <c>now</c> first drops members with score
/// <c>&lt;= now - 60000</c>; then the request is admitted iff fewer than <c>limit</c> members remain, in which
/// case it is added. Because the script runs atomically, the set after any admission holds exactly the
/// admissions of the last 60 s (<c>(now-60000, now]</c>), so no 60 s interval ever contains more than
/// <c>limit</c> admissions — the invariant is exact, with no boundary burst as a fixed window has.
/// </para>
/// <para>
/// A refusal reports when the next request would be admitted: with the set sorted ascending s0..s(n-1) and
/// n &gt;= limit, the count falls below the limit once s(n-limit) leaves the window, i.e. at
/// <c>s(n-limit) + 60000</c>. The key's TTL is reset to 60 s on each admission, so an idle key disappears once
/// its newest member is outside the window. Memory is O(limit) per active key, fine for per-key RPM limits.
/// </para>
/// </summary>
internal sealed class RpmLimiter(RedisConnection redis, IOptions<QuotaOptions> options, QuotaMetrics metrics)
{
    public const long WindowMs = 60_000;

    private static readonly RedisScript AdmitScript = new("""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local limit = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        local count = redis.call('ZCARD', KEYS[1])
        if count < limit then
          redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
          redis.call('PEXPIRE', KEYS[1], window)
          local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          return {1, limit - count - 1, 0, tonumber(oldest[2]) + window}
        end
        local pivot = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return {0, 0, tonumber(pivot[2]) + window - now, tonumber(oldest[2]) + window}
        """);

    public static string LogKey(string keyId) => "quota:rpm:" + keyId;

    /// <summary>Admits one request for <paramref name="keyId"/>; a <paramref name="rpmLimit"/> of 0 means the default.</summary>
    public async Task<AdmitDecision> AdmitAsync(string keyId, int rpmLimit, CancellationToken cancellationToken)
    {
        var limit = rpmLimit > 0 ? rpmLimit : options.Value.DefaultRpm;
        // Members must be unique even for two admissions in the same millisecond.
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var result = await redis.EvaluateAsync(AdmitScript, [LogKey(keyId)], [limit, WindowMs, nonce], cancellationToken)
            .ConfigureAwait(false);
        var items = result.Items;
        var decision = new AdmitDecision(
            Allowed: items[0].AsInt64() == 1,
            Limit: limit,
            Remaining: (int)items[1].AsInt64(),
            RetryAfterMs: items[2].AsInt64(),
            ResetUnixMs: items[3].AsInt64());
        metrics.Admitted(decision.Allowed);
        return decision;
    }
}
