using Gateway.Ingress.Dependencies;
using Gateway.Quota.V1;
using Gateway.Testing;

namespace Gateway.Ingress.Tests.Quota;

/// <summary>
/// <see cref="Dependencies.Leases.LeasingQuotaGate"/> against the real Quota service and a real redis-server. Lease
/// expiry is driven by a manual clock where a test depends on it, so nothing here depends on how fast the machine is.
/// </summary>
public sealed class LeasingQuotaGateTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const int TtlMs = 1000;

    private static string Key() => "key_" + Guid.NewGuid().ToString("N")[..20];

    [Fact]
    public async Task AdmitAsync_TwoReplicasUnderConcurrentLoad_NeverAdmitMoreThanTheLimitAndReturnWhatTheyDidNotUse()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        var time = new ManualTime();
        using var first = new Replica(quota.Address, time, leaseMax: 100, ttlMs: TtlMs, rpmPercent: 100);
        using var second = new Replica(quota.Address, time, leaseMax: 100, ttlMs: TtlMs, rpmPercent: 100);
        var key = Key();
        const int limit = 300;

        var allowed = 0;
        for (var wave = 0; wave < 8; wave++)
        {
            // Leases (and cached refusals) expire every few waves, so expiry and release run under load too.
            time.Advance(TimeSpan.FromMilliseconds(TtlMs / 3));
            var answers = await Task.WhenAll(Enumerable.Range(0, 100)
                .Select(i => (i % 2 == 0 ? first : second).AdmitAsync(key, limit).AsTask()));
            allowed += answers.Count(a => a.Allowed);
            Assert.All(answers, a => Assert.Equal(limit, a.Limit));
            // A prefetched slot is scored at its lease's expiry, so a refusal may wait up to a window plus a ttl.
            Assert.All(answers.Where(a => !a.Allowed), a => Assert.InRange(a.RetryAfterMs, 1, 60_000 + TtlMs));
        }

        // 800 requests for 300 slots: never more than the limit, while both replicas leased ahead.
        Assert.InRange(allowed, 1, limit);
        Assert.Contains(first.Leases.Leased.Concat(second.Leases.Leased), l => l.Requested > 1);

        // Once both give back what they hold, the log holds exactly the admissions: nothing counted twice or lost.
        await first.Gate.ReleaseAllAsync(CancellationToken.None);
        await second.Gate.ReleaseAllAsync(CancellationToken.None);
        Assert.Equal(allowed, await quota.LogCountAsync(key));
    }

    [Fact]
    public async Task AdmitAsync_LowRateKey_AnswersExactlyAsOneAdmitPerRequest()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        var time = new ManualTime();
        using var replica = new Replica(quota.Address, time, ttlMs: TtlMs);
        var leased = Key();
        var admitted = Key();

        var viaLeases = new List<AdmitResponse>();
        var viaAdmit = new List<AdmitResponse>();
        for (var i = 0; i < 7; i++)
        {
            // A request every two lease lifetimes: the key counts as idle each time.
            time.Advance(TimeSpan.FromMilliseconds(2 * TtlMs));
            viaLeases.Add(await replica.AdmitAsync(leased, 5));
            viaAdmit.Add(await replica.PerRequest.AdmitAsync(new AdmitRequest { KeyId = admitted, RpmLimit = 5, RequestId = "r" }, CancellationToken.None));
        }

        Assert.Equal([true, true, true, true, true, false, false], viaLeases.Select(a => a.Allowed));
        Assert.Equal(viaAdmit.Select(a => a.Allowed), viaLeases.Select(a => a.Allowed));
        Assert.Equal(viaAdmit.Select(a => a.Remaining), viaLeases.Select(a => a.Remaining));
        Assert.Equal(viaAdmit.Select(a => a.Limit), viaLeases.Select(a => a.Limit));
        Assert.All(viaLeases.Where(a => !a.Allowed), a => Assert.InRange(a.RetryAfterMs, 1, 60_000));
        // One call per request, each for a single slot, recorded at its grant time like an Admit.
        Assert.Equal(7, replica.Leases.Leased.Count);
        Assert.All(replica.Leases.Leased, l => Assert.Equal(1, l.Requested));
        Assert.Equal(5, await quota.LogCountAsync(leased));
        Assert.True(await quota.NewestAheadOfNowMsAsync(leased) <= 0);
    }

    [Fact]
    public async Task AdmitAsync_BusyKey_GrowsTheLeaseAndAdmitsWithoutCallingQuota()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        var time = new ManualTime();
        using var replica = new Replica(quota.Address, time, leaseMax: 50, ttlMs: TtlMs, rpmPercent: 100);
        var key = Key();

        var answers = new List<AdmitResponse>();
        for (var i = 0; i < 30; i++)
        {
            answers.Add(await replica.AdmitAsync(key, 1000));
        }

        Assert.All(answers, a => Assert.True(a.Allowed));
        // First a single slot, then (a second request within the same instant) the cap.
        Assert.Equal([1, 50], replica.Leases.Leased.Select(l => l.Requested));
        Assert.Equal(51, await quota.LogCountAsync(key));
        // Remaining counts this replica's unused slots as still available: 1000 - 51 recorded + 21 unused.
        Assert.Equal(970, answers[^1].Remaining);
    }

    [Fact]
    public async Task AdmitAsync_ConcurrentRequestsOfAColdKey_ShareOneCallAtATime()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        var time = new ManualTime();
        using var replica = new Replica(quota.Address, time, leaseMax: 100, ttlMs: TtlMs, rpmPercent: 100);
        var key = Key();

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => replica.AdmitAsync(key, 1000).AsTask()));

        Assert.All(answers, a => Assert.True(a.Allowed));
        // The first call leases one slot; whoever found it gone shares the second, which leases the cap.
        Assert.InRange(replica.Leases.Leased.Count, 1, 2);
        await replica.Gate.ReleaseAllAsync(CancellationToken.None);
        Assert.Equal(40, await quota.LogCountAsync(key));
    }

    [Fact]
    public async Task Sweep_LeaseExpired_ReturnsTheUnusedSlots()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        var time = new ManualTime();
        using var replica = new Replica(quota.Address, time, leaseMax: 50, ttlMs: TtlMs, rpmPercent: 100);
        var key = Key();
        Assert.True((await replica.AdmitAsync(key, 1000)).Allowed);
        Assert.True((await replica.AdmitAsync(key, 1000)).Allowed);
        Assert.Equal(51, await quota.LogCountAsync(key));

        replica.Gate.Sweep();
        Assert.Empty(replica.Leases.Released);   // not expired yet: nothing given back
        time.Advance(TimeSpan.FromMilliseconds(TtlMs + 1));
        replica.Gate.Sweep();

        await WaitForAsync(() => quota.LogCountAsync(key), 2);
        var release = Assert.Single(replica.Leases.Released);
        Assert.Equal(50, release.Granted);
        Assert.Equal(49, release.Unused);
    }

    [Fact]
    public async Task AdmitAsync_LeaseExpired_NextRequestReturnsTheUnusedSlotsAndLeasesAgain()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        var time = new ManualTime();
        using var replica = new Replica(quota.Address, time, leaseMax: 50, ttlMs: TtlMs, rpmPercent: 100);
        var key = Key();
        await replica.AdmitAsync(key, 1000);
        await replica.AdmitAsync(key, 1000);

        time.Advance(TimeSpan.FromMilliseconds(TtlMs + 1));
        var third = await replica.AdmitAsync(key, 1000);

        Assert.True(third.Allowed);
        // The expired lease of 50 served one request in a ttl: the next is sized to that rate.
        Assert.Equal([1, 50, 1], replica.Leases.Leased.Select(l => l.Requested));
        await WaitForAsync(() => quota.LogCountAsync(key), 3);
    }

    [Fact]
    public async Task ReleaseAllAsync_Shutdown_ReturnsEveryUnusedSlotThenLeasesOneAtATime()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        var time = new ManualTime();
        using var replica = new Replica(quota.Address, time, leaseMax: 50, ttlMs: TtlMs, rpmPercent: 100);
        var keys = new[] { Key(), Key() };
        foreach (var key in keys)
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.True((await replica.AdmitAsync(key, 1000)).Allowed);
            }
        }

        await replica.Gate.ReleaseAllAsync(CancellationToken.None);

        foreach (var key in keys)
        {
            Assert.Equal(5, await quota.LogCountAsync(key));
        }

        Assert.True((await replica.AdmitAsync(keys[0], 1000)).Allowed);
        Assert.True((await replica.AdmitAsync(keys[0], 1000)).Allowed);
        Assert.All(replica.Leases.Leased.Skip(4), l => Assert.Equal(1, l.Requested));
        Assert.Equal(7, await quota.LogCountAsync(keys[0]));
    }

    [Fact]
    public async Task AdmitAsync_Refused_ReusesTheRefusalUntilRetryAfterOrTheTtl()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        var time = new ManualTime();
        using var replica = new Replica(quota.Address, time, leaseMax: 50, ttlMs: TtlMs, rpmPercent: 100);
        var key = Key();
        Assert.True((await replica.AdmitAsync(key, 2)).Allowed);
        Assert.True((await replica.AdmitAsync(key, 2)).Allowed);

        var refused = await replica.AdmitAsync(key, 2);
        var calls = replica.Leases.Leased.Count;
        var flood = new List<AdmitResponse>();
        for (var i = 0; i < 50; i++)
        {
            flood.Add(await replica.AdmitAsync(key, 2));
        }

        time.Advance(TimeSpan.FromMilliseconds(400));
        var later = await replica.AdmitAsync(key, 2);

        Assert.False(refused.Allowed);
        Assert.Equal(2, refused.Limit);
        Assert.Equal(0, refused.Remaining);
        Assert.InRange(refused.RetryAfterMs, 2 * TtlMs, 60_000);
        Assert.All(flood, a => Assert.False(a.Allowed));
        Assert.All(flood, a => Assert.Equal(refused.RetryAfterMs, a.RetryAfterMs));
        Assert.False(later.Allowed);
        Assert.Equal(refused.RetryAfterMs - 400, later.RetryAfterMs);
        Assert.Equal(calls, replica.Leases.Leased.Count);   // the flood never reached Quota

        time.Advance(TimeSpan.FromMilliseconds(TtlMs));
        Assert.False((await replica.AdmitAsync(key, 2)).Allowed);
        Assert.Equal(calls + 1, replica.Leases.Leased.Count);   // after a ttl Quota is asked again
        Assert.Equal(2, await quota.LogCountAsync(key));
    }

    [Fact]
    public async Task AdmitAsync_QuotaDownWithALiveLease_AdmitsFromItThenFailsAsUnavailable()
    {
        var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        await using var _ = quota;
        var time = new ManualTime();
        using var replica = new Replica(quota.Address, time, leaseMax: 50, ttlMs: TtlMs, rpmPercent: 100);
        var key = Key();
        await replica.AdmitAsync(key, 1000);
        await replica.AdmitAsync(key, 1000);

        await quota.StopAsync();

        for (var i = 0; i < 10; i++)
        {
            Assert.True((await replica.AdmitAsync(key, 1000)).Allowed);
        }

        time.Advance(TimeSpan.FromMilliseconds(TtlMs + 1));
        var expired = await Assert.ThrowsAsync<DependencyUnavailableException>(() => replica.AdmitAsync(key, 1000).AsTask());
        Assert.Equal(DependencyNames.Quota, expired.Dependency);
        var fresh = await Assert.ThrowsAsync<DependencyUnavailableException>(() => replica.AdmitAsync(Key(), 1000).AsTask());
        Assert.Equal(DependencyNames.Quota, fresh.Dependency);
        // The expired lease could not be given back: its slots stay counted (under-admission only) and nothing throws.
        await replica.Gate.ReleaseAllAsync(CancellationToken.None);
        Assert.Equal(51, await quota.LogCountAsync(key));
    }

    [Fact]
    public async Task AdmitAsync_QuotaDownWithoutALease_FailsAsUnavailable()
    {
        var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        await using var _ = quota;
        using var replica = new Replica(quota.Address, new ManualTime(), ttlMs: TtlMs);
        await quota.StopAsync();

        var error = await Assert.ThrowsAsync<DependencyUnavailableException>(() => replica.AdmitAsync(Key(), 10).AsTask());

        Assert.Equal(DependencyNames.Quota, error.Dependency);
    }

    /// <summary>Bounded polling for a background effect (a release runs after the call that started it).</summary>
    private static async Task WaitForAsync(Func<Task<long>> probe, long expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        long value;
        while ((value = await probe()) != expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected {expected}, still {value} after 30 s.");
            }

            await Task.Delay(20);
        }
    }
}
