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
/// <para>
/// Leases (<see cref="LeaseAsync"/>) record up to <c>requested</c> slots in the same log with the same check, so
/// <c>count + granted &lt;= limit</c> holds after every grant and admissions and leases share one limit. A lease's
/// first slot is scored at the grant time (the request that asked uses it at once, exactly like an Admit); the
/// others at grant time + the lease's ttl, the latest moment the caller may use them. So every slot is scored at or
/// after the admission it stands for, and the argument above carries over to real admission times: for any 60 s
/// interval, take the last grant g whose slots were used in it; every slot used in the interval was recorded by g
/// and is scored after the interval's start &gt;= g - 60000, so it was still in the log at g, where the check
/// held the log to <c>limit</c>. The cost is under-admission only: a slot used before its lease's expiry counts
/// for up to ttl longer than it needs to, and slots not yet used (or lost with a crashed caller) count until
/// they are released (<see cref="ReleaseAsync"/>) or leave the window. Because members can be scored in the
/// future, the key's TTL follows the newest member (<c>newest + 60 s - now</c>), never just 60 s.
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
          local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
          redis.call('PEXPIRE', KEYS[1], math.max(window, tonumber(newest[2]) + window - now))
          local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          return {1, limit - count - 1, 0, tonumber(oldest[2]) + window}
        end
        local pivot = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return {0, 0, tonumber(pivot[2]) + window - now, tonumber(oldest[2]) + window}
        """);

    /// <summary>Largest lease (<c>LeaseRequest.requested</c>, <c>ReleaseRequest.granted</c>).</summary>
    public const int MaxLease = 1000;

    /// <summary>Longest lease lifetime (<c>LeaseRequest.ttl_ms</c>): at most one window.</summary>
    public const int MaxLeaseTtlMs = (int)WindowMs;

    // Members: "<leaseId>:<i>", i = 0 at the grant time, 1..granted-1 at grant time + ttl. ZADD and ZREM take their
    // arguments in batches (Lua's unpack has a stack limit).
    private static readonly RedisScript LeaseScript = new("""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local limit = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local requested = tonumber(ARGV[3])
        local ttl = tonumber(ARGV[4])
        local lease = ARGV[5]
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        local count = redis.call('ZCARD', KEYS[1])
        local granted = math.min(requested, limit - count)
        if granted > 0 then
          redis.call('ZADD', KEYS[1], now, lease .. ':0')
          local batch = {}
          for i = 1, granted - 1 do
            batch[#batch + 1] = now + ttl
            batch[#batch + 1] = lease .. ':' .. i
            if #batch >= 400 then
              redis.call('ZADD', KEYS[1], unpack(batch))
              batch = {}
            end
          end
          if #batch > 0 then
            redis.call('ZADD', KEYS[1], unpack(batch))
          end
          local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
          redis.call('PEXPIRE', KEYS[1], math.max(window, tonumber(newest[2]) + window - now))
          local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          return {granted, limit - count - granted, 0, tonumber(oldest[2]) + window}
        end
        local pivot = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return {0, 0, tonumber(pivot[2]) + window - now, tonumber(oldest[2]) + window}
        """);

    // Removes the last `unused` members of a lease (the ones scored at grant time + ttl go first).
    private static readonly RedisScript ReleaseScript = new("""
        local granted = tonumber(ARGV[2])
        local unused = tonumber(ARGV[3])
        local removed = 0
        local batch = {}
        for i = granted - unused, granted - 1 do
          batch[#batch + 1] = ARGV[1] .. ':' .. i
          if #batch >= 400 then
            removed = removed + redis.call('ZREM', KEYS[1], unpack(batch))
            batch = {}
          end
        end
        if #batch > 0 then
          removed = removed + redis.call('ZREM', KEYS[1], unpack(batch))
        end
        return removed
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

    /// <summary>
    /// Grants up to <paramref name="requested"/> slots for <paramref name="keyId"/>, recorded in its log; a
    /// <paramref name="rpmLimit"/> of 0 means the default. Granted 0 is a refusal with the time until a slot frees.
    /// </summary>
    public async Task<LeaseDecision> LeaseAsync(string keyId, int rpmLimit, int requested, int ttlMs, CancellationToken cancellationToken)
    {
        var limit = rpmLimit > 0 ? rpmLimit : options.Value.DefaultRpm;
        var leaseId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var result = await redis.EvaluateAsync(LeaseScript, [LogKey(keyId)], [limit, WindowMs, requested, ttlMs, leaseId], cancellationToken)
            .ConfigureAwait(false);
        var items = result.Items;
        var granted = (int)items[0].AsInt64();
        var decision = new LeaseDecision(
            Granted: granted,
            Limit: limit,
            Remaining: (int)Math.Max(0, items[1].AsInt64()),
            RetryAfterMs: items[2].AsInt64(),
            ResetUnixMs: items[3].AsInt64(),
            LeaseId: granted > 0 ? leaseId : string.Empty);
        metrics.Leased(granted);
        return decision;
    }

    /// <summary>Removes the <paramref name="unused"/> slots of a lease of <paramref name="granted"/> that were never
    /// used; returns how many were still in the log.</summary>
    public async Task<int> ReleaseAsync(string keyId, string leaseId, int granted, int unused, CancellationToken cancellationToken)
    {
        var result = await redis.EvaluateAsync(ReleaseScript, [LogKey(keyId)], [leaseId, granted, unused], cancellationToken)
            .ConfigureAwait(false);
        var released = (int)result.AsInt64();
        metrics.Released(released);
        return released;
    }
}
