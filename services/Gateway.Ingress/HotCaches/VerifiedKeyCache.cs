using System.Collections.Concurrent;
using Gateway.Auth.V1;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.HotCaches;

/// <summary>
/// Keys Auth said were valid, by <see cref="KeyHash"/>, each kept at most <c>Ingress:KeyCacheTtlSeconds</c> after
/// Auth's answer arrived. The cache serves only while it is in sync with Auth's revocation stream
/// (<see cref="RevocationWatcher"/>): <see cref="EnterSync"/> starts serving from empty, <see cref="LeaveSync"/> clears
/// it and stops serving, <see cref="Revoke"/> drops a key at once. So a revoked key is served at most until its push
/// arrives while the stream is up, never while it is down, and in any case at most the TTL after Auth last said valid
/// (the bound when a push is lost).
/// <para>
/// Every change that could make an answer stale (a revocation, a sync change) bumps an epoch; an answer is stored
/// only if the epoch did not move while it was being fetched, so a verification that raced with a revocation is
/// never cached. Invalid, unknown and revoked answers are never cached. At most <c>Ingress:KeyCacheMaxEntries</c>
/// entries: when full, expired entries go first, then about a tenth of the rest (arbitrary ones).
/// </para>
/// </summary>
internal sealed class VerifiedKeyCache
{
    private readonly ConcurrentDictionary<KeyHash, Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly long _ttl;
    private readonly int _capacity;
    private long _epoch;
    private volatile bool _serving;
    private int _evicting;

    public VerifiedKeyCache(IOptions<IngressOptions> options, TimeProvider time)
    {
        _time = time;
        var ttlSeconds = options.Value.KeyCacheTtlSeconds;
        Ttl = TimeSpan.FromSeconds(ttlSeconds);
        _ttl = (long)(Ttl.TotalSeconds * time.TimestampFrequency);
        _capacity = options.Value.KeyCacheMaxEntries;
    }

    private sealed record Entry(VerifyKeyResponse Response, string KeyId, long ExpiresAt);

    /// <summary>False when <c>Ingress:KeyCacheTtlSeconds</c> is 0: every request is verified with Auth.</summary>
    public bool Enabled => _ttl > 0;

    public TimeSpan Ttl { get; }

    /// <summary>True while in sync with the revocation stream: only then are answers served and stored.</summary>
    public bool IsServing => _serving;

    /// <summary>Read before fetching an answer; pass it to <see cref="TryAdd"/>.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    public int Count => _entries.Count;

    public bool TryGet(in KeyHash hash, out VerifyKeyResponse response)
    {
        if (_serving && _entries.TryGetValue(hash, out var entry))
        {
            if (_time.GetTimestamp() < entry.ExpiresAt)
            {
                response = entry.Response;
                return true;
            }

            _entries.TryRemove(KeyValuePair.Create(hash, entry));
        }

        response = null!;
        return false;
    }

    /// <summary>Stores a valid answer fetched since <paramref name="epoch"/>, unless anything changed meanwhile.</summary>
    public bool TryAdd(in KeyHash hash, VerifyKeyResponse response, long epoch)
    {
        if (!_serving || response.Result != VerifyResult.Valid || response.Key is null || Epoch != epoch)
        {
            return false;
        }

        if (_entries.Count >= _capacity)
        {
            Evict();
        }

        var entry = new Entry(response, response.Key.KeyId, _time.GetTimestamp() + _ttl);
        _entries[hash] = entry;

        // A revocation or a sync change that came in between the check above and the write: undo.
        if (!_serving || Epoch != epoch)
        {
            _entries.TryRemove(KeyValuePair.Create(hash, entry));
            return false;
        }

        return true;
    }

    /// <summary>Drops every entry of <paramref name="keyId"/> (a key may be cached under one hash only, but a scan is
    /// cheap next to how rare revocations are).</summary>
    public void Revoke(string keyId)
    {
        Interlocked.Increment(ref _epoch);
        foreach (var (hash, entry) in _entries)
        {
            if (string.Equals(entry.KeyId, keyId, StringComparison.Ordinal))
            {
                _entries.TryRemove(KeyValuePair.Create(hash, entry));
            }
        }
    }

    /// <summary>The revocation stream is live: start serving, from empty (revocations before it may have been missed).</summary>
    public void EnterSync()
    {
        Interlocked.Increment(ref _epoch);
        _entries.Clear();
        _serving = true;
    }

    /// <summary>The revocation stream is down: stop serving and forget everything.</summary>
    public void LeaveSync()
    {
        _serving = false;
        Interlocked.Increment(ref _epoch);
        _entries.Clear();
    }

    private void Evict()
    {
        if (Interlocked.CompareExchange(ref _evicting, 1, 0) != 0)
        {
            return;
        }

        try
        {
            var now = _time.GetTimestamp();
            foreach (var (hash, entry) in _entries)
            {
                if (entry.ExpiresAt <= now)
                {
                    _entries.TryRemove(KeyValuePair.Create(hash, entry));
                }
            }

            var excess = _entries.Count - _capacity + Math.Max(1, _capacity / 10);
            if (_entries.Count < _capacity)
            {
                return;
            }

            foreach (var (hash, entry) in _entries)
            {
                if (excess-- <= 0)
                {
                    break;
                }

                _entries.TryRemove(KeyValuePair.Create(hash, entry));
            }
        }
        finally
        {
            Volatile.Write(ref _evicting, 0);
        }
    }
}
