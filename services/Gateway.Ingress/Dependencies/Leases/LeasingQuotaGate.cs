using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Gateway.Quota.V1;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Dependencies.Leases;

/// <summary>
/// Admits requests from quota leases held in this process, so a request of a busy key makes no call to Quota.
/// <para>
/// Per key the gate holds at most one lease: a count of slots Quota has already recorded in the key's sliding-window
/// log (<c>Lease</c> rpc), usable until a local expiry <c>Ingress:QuotaLeaseTtlMs</c> after the call was sent. An
/// admission takes one slot under a per-key lock, with no I/O. When the lease is empty or expired, one call fetches the
/// next lease (single flight: concurrent requests of the key wait on that one call, then take from its lease or, when it
/// is short, fetch the next). Unused slots of an expired lease are given back (<c>Release</c> rpc) by the next request
/// of the key or by <see cref="QuotaLeaseKeeper"/>'s sweep, whichever comes first, and all of them on shutdown.
/// </para>
/// <para>
/// Lease size adapts to the key's rate: 1 for a new key and for a key idle longer than the ttl (so a low-rate key
/// costs one Quota call per request and is admitted exactly as by <c>Admit</c>), otherwise the rate observed over the
/// previous lease (slots used / time since it was granted) times the ttl, at most <c>Ingress:QuotaLeaseMax</c> and at
/// most <c>Ingress:QuotaLeaseRpmPercent</c> % of the key's limit. After shutdown starts, leases are of 1.
/// </para>
/// <para>
/// The bound (docs/configuration.md, "Quota leases"): every slot is recorded in Quota's log before it is used, the
/// prefetched ones scored at grant time + ttl, and the local expiry (counted from before the call) is never later
/// than that, so across any number of Ingress replicas no 60 s interval holds more than the key's limit of admissions
/// (the first slot of a lease is dated at the grant, as an Admit is; if every request waiting on the call gave up, a
/// later request may use it within the ttl). The error is otherwise on the safe side only: up to one lease per
/// replica and key (≤ min(QuotaLeaseMax, QuotaLeaseRpmPercent % of rpm) slots) is recorded but not yet used, and a
/// slot used early in its lease counts up to one ttl longer than needed.
/// </para>
/// <para>
/// Refusals: a lease of 0 is a 429 with Quota's retry-after, and the refusal is reused locally for
/// min(retry-after, ttl), so a flooding limited key costs one Quota call per ttl per replica. When Quota cannot be
/// reached, a request with a live local slot is still admitted; one without gets the
/// <see cref="DependencyUnavailableException"/> (503) it got before leases existed.
/// </para>
/// <para>
/// The <see cref="AdmitResponse"/> it returns feeds the rate-limit headers: <c>limit</c> is exact, <c>remaining</c> is
/// Quota's remaining at the grant plus the slots still unused in this process's lease (exact with one replica, an
/// upper bound of what other replicas left at most one ttl ago), <c>reset</c> is as of the grant.
/// </para>
/// </summary>
internal sealed class LeasingQuotaGate : IQuotaGate
{
    /// <summary>A key not seen for this long (and holding nothing) is dropped from memory.</summary>
    internal static readonly TimeSpan IdleEviction = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, KeyLease> _keys = new(StringComparer.Ordinal);
    private readonly IQuotaLeases _leases;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxLease;
    private readonly int _rpmPercent;
    private readonly int _ttlMs;
    private readonly long _ttlTicks;
    private readonly long _evictionTicks;
    private readonly TimeSpan _callTimeout;
    private readonly Lock _releasesSync = new();
    private readonly HashSet<Task> _releases = [];
    private volatile bool _stopping;

    public LeasingQuotaGate(IQuotaLeases leases, IOptions<IngressOptions> options, TimeProvider time, ILogger<LeasingQuotaGate> logger)
    {
        _leases = leases;
        _time = time;
        _logger = logger;
        var value = options.Value;
        _maxLease = Math.Max(1, value.QuotaLeaseMax);
        _rpmPercent = value.QuotaLeaseRpmPercent;
        _ttlMs = value.QuotaLeaseTtlMs;
        _ttlTicks = ToTicks(value.QuotaLeaseTtlMs);
        _evictionTicks = ToTicks((long)IdleEviction.TotalMilliseconds);
        _callTimeout = TimeSpan.FromMilliseconds(value.DependencyTimeoutMs);
    }

    /// <summary>Keys currently tracked (for tests).</summary>
    internal int TrackedKeys => _keys.Count;

    public ValueTask<AdmitResponse> AdmitAsync(AdmitRequest request, CancellationToken ct)
    {
        var (answer, pending) = Step(request);
        return answer is not null ? ValueTask.FromResult(answer) : WaitAndAdmitAsync(request, pending!, ct);
    }

    /// <summary>
    /// Gives back the unused slots of every lease whose local expiry has passed and forgets keys idle for
    /// <see cref="IdleEviction"/>. Called periodically by <see cref="QuotaLeaseKeeper"/>; the releases run in the background.
    /// </summary>
    internal void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (keyId, key) in _keys)
        {
            ReleaseWork expired;
            var evict = false;
            lock (key.Sync)
            {
                expired = ExpireLocked(keyId, key, now);
                if (key.Pending is null && key.Left == 0 && now >= key.DeniedUntil && now - key.LastSeen > _evictionTicks)
                {
                    key.Retired = true;
                    evict = true;
                }
            }

            if (evict)
            {
                _keys.TryRemove(KeyValuePair.Create(keyId, key));
            }

            StartRelease(expired);
        }
    }

    /// <summary>
    /// Shutdown: from now on leases are of one slot (used at once, nothing left to give back); every unused slot
    /// held now is given back, and the call waits for those releases and any still in flight.
    /// </summary>
    internal async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var (slots, keys, fetches) = ReleaseHeld();
        if (fetches.Count > 0)
        {
            // Leases still on their way may arrive with spare slots: wait for them (bounded by their deadline) and
            // give those back too.
            await Task.WhenAll(fetches).WaitAsync(cancellationToken).ConfigureAwait(false);
            var (moreSlots, moreKeys, _) = ReleaseHeld();
            slots += moreSlots;
            keys += moreKeys;
        }

        Task[] inFlight;
        lock (_releasesSync)
        {
            inFlight = [.. _releases];
        }

        await Task.WhenAll(inFlight).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (slots > 0)
        {
            LeaseLog.ReleasedOnShutdown(_logger, slots, keys);
        }
    }

    private (int Slots, int Keys, List<Task> Fetches) ReleaseHeld()
    {
        var slots = 0;
        var keys = 0;
        var fetches = new List<Task>();
        foreach (var (keyId, key) in _keys)
        {
            ReleaseWork held;
            lock (key.Sync)
            {
                held = key.Left > 0 ? new ReleaseWork(keyId, key.LeaseId, key.Granted, key.Left) : default;
                if (held.Unused > 0)
                {
                    EndLeaseLocked(key, _time.GetTimestamp(), key.Left);
                }

                if (key.Pending is { } pending)
                {
                    fetches.Add(pending);
                }
            }

            if (held.Unused > 0)
            {
                slots += held.Unused;
                keys++;
                StartRelease(held);
            }
        }

        return (slots, keys, fetches);
    }

    private async ValueTask<AdmitResponse> WaitAndAdmitAsync(AdmitRequest request, Task<Exception?> pending, CancellationToken ct)
    {
        while (true)
        {
            var error = await pending.WaitAsync(ct).ConfigureAwait(false);
            if (error is not null)
            {
                ExceptionDispatchInfo.Throw(error);
            }

            var (answer, next) = Step(request);
            if (answer is not null)
            {
                return answer;
            }

            pending = next!;
        }
    }

    /// <summary>One attempt: a slot of the live lease, the cached refusal, or the (possibly new) fetch to wait for.</summary>
    private (AdmitResponse? Answer, Task<Exception?>? Pending) Step(AdmitRequest request)
    {
        while (true)
        {
            var key = _keys.GetOrAdd(request.KeyId, static _ => new KeyLease());
            ReleaseWork expired;
            AdmitResponse? answer;
            TaskCompletionSource<Exception?>? fetch = null;
            Task<Exception?>? pending = null;
            int size = 0;
            lock (key.Sync)
            {
                if (key.Retired)
                {
                    continue;
                }

                var now = _time.GetTimestamp();
                key.LastSeen = now;
                expired = ExpireLocked(request.KeyId, key, now);
                answer = TakeLocked(key, now);
                if (answer is null)
                {
                    if (key.Pending is null)
                    {
                        fetch = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
                        key.Pending = fetch.Task;
                        size = NextSizeLocked(key, now);
                    }

                    pending = key.Pending;
                }
            }

            StartRelease(expired);
            if (fetch is not null)
            {
                _ = FetchAsync(key, request, size, fetch);
            }

            return (answer, pending);
        }
    }

    /// <summary>Takes a slot of the live lease, or answers with the cached refusal; null when neither applies.</summary>
    private AdmitResponse? TakeLocked(KeyLease key, long now)
    {
        if (key.Left > 0 && now < key.ExpiresAt)
        {
            key.Left--;
            if (key.Left == 0)
            {
                key.Unused = 0;
                key.EndedAt = now;
            }

            return new AdmitResponse
            {
                Allowed = true,
                Limit = key.Limit,
                Remaining = key.RemainingAtGrant + key.Left,
                ResetUnixMs = key.ResetUnixMs,
            };
        }

        if (now < key.DeniedUntil)
        {
            return new AdmitResponse
            {
                Allowed = false,
                Limit = key.Limit,
                Remaining = 0,
                RetryAfterMs = Math.Max(1, ToMillisecondsCeiling(key.RetryAt - now)),
                ResetUnixMs = key.ResetUnixMs,
            };
        }

        return null;
    }

    /// <summary>Ends a lease whose local expiry has passed; returns its unused slots for release.</summary>
    private static ReleaseWork ExpireLocked(string keyId, KeyLease key, long now)
    {
        if (key.Left == 0 || now < key.ExpiresAt)
        {
            return default;
        }

        var work = new ReleaseWork(keyId, key.LeaseId, key.Granted, key.Left);
        EndLeaseLocked(key, key.ExpiresAt, key.Left);
        return work;
    }

    private static void EndLeaseLocked(KeyLease key, long endedAt, int unused)
    {
        key.Unused = unused;
        key.Left = 0;
        key.EndedAt = endedAt;
    }

    /// <summary>The size of the next lease: 1 when new, idle or stopping, else the observed rate times the ttl, capped.</summary>
    private int NextSizeLocked(KeyLease key, long now)
    {
        if (_stopping || !key.HasHistory || now - key.EndedAt > _ttlTicks)
        {
            return 1;
        }

        var used = key.Granted - key.Unused;
        var span = Math.Max(1, now - key.GrantedAt);
        var wanted = (long)Math.Ceiling(used * (double)_ttlTicks / span);
        var cap = Math.Max(1, Math.Min(_maxLease, (int)Math.Min(int.MaxValue, (long)key.Limit * _rpmPercent / 100)));
        return (int)Math.Clamp(wanted, 1, cap);
    }

    private async Task FetchAsync(KeyLease key, AdmitRequest admit, int size, TaskCompletionSource<Exception?> done)
    {
        // The local expiry counts from before the call, so it is never later than Quota's (grant time + ttl).
        var sentAt = _time.GetTimestamp();
        LeaseResponse? response = null;
        Exception? error = null;
        try
        {
            // Not the caller's token: other requests of the key wait on this call too.
            using var timeout = new CancellationTokenSource(_callTimeout);
            var request = new LeaseRequest
            {
                KeyId = admit.KeyId,
                RpmLimit = admit.RpmLimit,
                Requested = size,
                TtlMs = _ttlMs,
                RequestId = admit.RequestId,
            };
            try
            {
                response = await _leases.LeaseAsync(request, timeout.Token).AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                throw new DependencyUnavailableException(DependencyNames.Quota, new TimeoutException("No lease from quota within the deadline.", ex));
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }

        lock (key.Sync)
        {
            key.Pending = null;
            if (response is not null)
            {
                InstallLocked(key, response, sentAt);
            }
        }

        done.SetResult(error);
    }

    private void InstallLocked(KeyLease key, LeaseResponse response, long sentAt)
    {
        var now = _time.GetTimestamp();
        key.Limit = response.Limit;
        key.ResetUnixMs = response.ResetUnixMs;
        key.HasHistory = true;
        key.GrantedAt = now;
        if (response.Granted > 0)
        {
            key.LeaseId = response.LeaseId;
            key.Granted = response.Granted;
            key.Left = response.Granted;
            key.ExpiresAt = sentAt + _ttlTicks;
            key.RemainingAtGrant = response.Remaining;
            key.DeniedUntil = 0;
            return;
        }

        // A refusal: reuse it until Quota's retry-after, but never for longer than a ttl.
        var retryTicks = ToTicks(Math.Max(1, response.RetryAfterMs));
        key.LeaseId = string.Empty;
        key.Granted = 0;
        key.Left = 0;
        key.Unused = 0;
        key.EndedAt = now;
        key.RetryAt = now + retryTicks;
        key.DeniedUntil = now + Math.Min(retryTicks, _ttlTicks);
    }

    private void StartRelease(ReleaseWork work)
    {
        if (work.Unused <= 0)
        {
            return;
        }

        var task = ReleaseAsync(work);
        lock (_releasesSync)
        {
            if (!task.IsCompleted)
            {
                _releases.Add(task);
            }
        }

        _ = task.ContinueWith(static (t, state) =>
        {
            var gate = (LeasingQuotaGate)state!;
            lock (gate._releasesSync)
            {
                gate._releases.Remove(t);
            }
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task ReleaseAsync(ReleaseWork work)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_callTimeout);
            await _leases.ReleaseAsync(
                    new ReleaseRequest { KeyId = work.KeyId, LeaseId = work.LeaseId, Granted = work.Granted, Unused = work.Unused },
                    timeout.Token)
                .AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The slots stay recorded until they leave the window: under-admission, never over-admission.
            LeaseLog.ReleaseFailed(_logger, work.KeyId, work.Unused, ex);
        }
    }

    private long ToTicks(long milliseconds) => milliseconds * _time.TimestampFrequency / 1000;

    private long ToMillisecondsCeiling(long ticks) => (ticks * 1000 + _time.TimestampFrequency - 1) / _time.TimestampFrequency;

    private readonly record struct ReleaseWork(string KeyId, string LeaseId, int Granted, int Unused);

    /// <summary>One key's lease, cached refusal and sizing history; every field is guarded by <see cref="Sync"/>.</summary>
    private sealed class KeyLease
    {
        public readonly Lock Sync = new();

        public string LeaseId = string.Empty;
        public int Granted;
        public int Left;
        public long ExpiresAt;
        public int Limit;
        public int RemainingAtGrant;
        public long ResetUnixMs;

        // Sizing: when the last lease was granted, when it ended (used up or expired) and how much of it went unused.
        public bool HasHistory;
        public long GrantedAt;
        public long EndedAt;
        public int Unused;

        public long DeniedUntil;
        public long RetryAt;

        public Task<Exception?>? Pending;
        public long LastSeen;
        public bool Retired;
    }
}
