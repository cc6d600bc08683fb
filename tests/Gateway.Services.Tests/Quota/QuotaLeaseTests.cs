using System.Globalization;
using Gateway.Grpc;
using Gateway.Quota.Limits;
using Gateway.Redis;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Services.Tests.Quota;

/// <summary>The Lease and Release rpcs of the Quota service, over real gRPC with a real redis-server.</summary>
public sealed class QuotaLeaseTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static string Key() => "key_" + Guid.NewGuid().ToString("N")[..20];

    [Fact]
    public async Task Lease_RoomForAll_GrantsAllAndRecordsTheFirstNowAndTheRestAtExpiry()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var connection = quota.Services.GetRequiredService<RedisConnection>();
        var key = Key();

        var lease = await quota.LeaseAsync(key, rpm: 25, requested: 10, ttlMs: 5000);

        Assert.Equal(10, lease.Granted);
        Assert.Equal(25, lease.Limit);
        Assert.Equal(15, lease.Remaining);
        Assert.Equal(0, lease.RetryAfterMs);
        Assert.False(string.IsNullOrEmpty(lease.LeaseId));
        var scores = await ScoresAsync(connection, key);
        Assert.Equal(10, scores.Count);
        var grant = scores.Min();
        Assert.Equal(1, scores.Count(s => s == grant));
        Assert.All(scores.Where(s => s != grant), s => Assert.Equal(grant + 5000, s));
        Assert.Equal(grant + RpmLimiter.WindowMs, lease.ResetUnixMs);
    }

    [Fact]
    public async Task Lease_LessRoomThanRequested_GrantsWhatIsLeftThenRefuses()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var key = Key();
        for (var i = 0; i < 7; i++)
        {
            Assert.True((await quota.AdmitAsync(key, 10)).Allowed);
        }

        var partial = await quota.LeaseAsync(key, rpm: 10, requested: 8);
        var refused = await quota.LeaseAsync(key, rpm: 10, requested: 8);
        var admit = await quota.AdmitAsync(key, 10);

        Assert.Equal(3, partial.Granted);
        Assert.Equal(0, partial.Remaining);
        Assert.Equal(0, refused.Granted);
        Assert.Equal(string.Empty, refused.LeaseId);
        Assert.InRange(refused.RetryAfterMs, 1, RpmLimiter.WindowMs);
        Assert.False(admit.Allowed);
    }

    [Fact]
    public async Task Lease_ConcurrentLeasesAndAdmitsOnTwoInstances_NeverGrantMoreThanTheLimit()
    {
        await using var first = await QuotaHost.StartAsync(redis.ConnectionString);
        await using var second = await QuotaHost.StartAsync(redis.ConnectionString);
        var connection = first.Services.GetRequiredService<RedisConnection>();
        var key = Key();
        const int limit = 100;

        var leases = Enumerable.Range(0, 60).Select(i => (i % 2 == 0 ? first : second).LeaseAsync(key, limit, requested: 1 + (i % 7)));
        var admits = Enumerable.Range(0, 60).Select(i => (i % 2 == 0 ? second : first).AdmitAsync(key, limit));
        var leased = Task.WhenAll(leases);
        var admitted = Task.WhenAll(admits);
        await Task.WhenAll(leased, admitted);

        var total = (await leased).Sum(l => l.Granted) + (await admitted).Count(a => a.Allowed);
        Assert.Equal(limit, total);
        Assert.Equal(limit, (await ScoresAsync(connection, key)).Count);
    }

    [Fact]
    public async Task Release_UnusedSlots_FreesThemForOthersOnce()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var connection = quota.Services.GetRequiredService<RedisConnection>();
        var key = Key();
        var lease = await quota.LeaseAsync(key, rpm: 10, requested: 10);
        Assert.Equal(10, lease.Granted);
        Assert.False((await quota.AdmitAsync(key, 10)).Allowed);

        var released = await quota.ReleaseAsync(key, lease.LeaseId, lease.Granted, unused: 4);
        var again = await quota.ReleaseAsync(key, lease.LeaseId, lease.Granted, unused: 4);

        Assert.Equal(4, released.Released);
        Assert.Equal(0, again.Released);
        var scores = await ScoresAsync(connection, key);
        Assert.Equal(6, scores.Count);
        // The slot recorded at the grant time (used at once by the asking request) is kept; prefetched ones go first.
        var grant = scores.Min();
        Assert.Equal(1, scores.Count(s => s == grant));
        Assert.All(scores.Where(s => s != grant), s => Assert.Equal(grant + 1000, s));
        for (var i = 0; i < 4; i++)
        {
            Assert.True((await quota.AdmitAsync(key, 10)).Allowed);
        }

        Assert.False((await quota.AdmitAsync(key, 10)).Allowed);
    }

    [Fact]
    public async Task Release_AllSlots_RemovesTheWholeLease()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var connection = quota.Services.GetRequiredService<RedisConnection>();
        var key = Key();
        Assert.True((await quota.AdmitAsync(key, 10)).Allowed);
        var lease = await quota.LeaseAsync(key, rpm: 10, requested: 5);

        var released = await quota.ReleaseAsync(key, lease.LeaseId, lease.Granted, unused: 5);

        Assert.Equal(5, released.Released);
        Assert.Single(await ScoresAsync(connection, key));
    }

    [Fact]
    public async Task Lease_SlotsScoredAfterNow_KeyLivesUntilTheNewestLeavesTheWindow()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var connection = quota.Services.GetRequiredService<RedisConnection>();
        var key = Key();
        await quota.LeaseAsync(key, rpm: 10, requested: 3, ttlMs: 30_000);

        // An Admit afterwards must not shorten the key's life below that of the future-scored slots.
        await quota.AdmitAsync(key, 10);

        var ttl = (await connection.ExecuteAsync("PTTL", RpmLimiter.LogKey(key))).AsInt64();
        Assert.InRange(ttl, RpmLimiter.WindowMs + 1, RpmLimiter.WindowMs + 30_000);
    }

    [Fact]
    public async Task Lease_ZeroLimit_UsesConfiguredDefault()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString, defaultRpm: 4);

        var lease = await quota.LeaseAsync(Key(), rpm: 0, requested: 10);

        Assert.Equal(4, lease.Limit);
        Assert.Equal(4, lease.Granted);
    }

    [Theory]
    [InlineData("", 10, 1, 1000)]
    [InlineData("key", -1, 1, 1000)]
    [InlineData("key", 10, 0, 1000)]
    [InlineData("key", 10, 1001, 1000)]
    [InlineData("key", 10, 1, -1)]
    [InlineData("key", 10, 1, 60_001)]
    public async Task Lease_InvalidRequest_InvalidArgument(string key, int rpm, int requested, int ttlMs)
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);

        var error = await Assert.ThrowsAsync<RpcException>(() => quota.LeaseAsync(key, rpm, requested, ttlMs));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Theory]
    [InlineData("", "lease", 5, 1)]
    [InlineData("key", "", 5, 1)]
    [InlineData("key", "lease", 0, 1)]
    [InlineData("key", "lease", 5, 0)]
    [InlineData("key", "lease", 5, 6)]
    public async Task Release_InvalidRequest_InvalidArgument(string key, string leaseId, int granted, int unused)
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);

        var error = await Assert.ThrowsAsync<RpcException>(() => quota.ReleaseAsync(key, leaseId, granted, unused));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    private static async Task<List<long>> ScoresAsync(RedisConnection connection, string keyId)
    {
        var items = (await connection.ExecuteAsync("ZRANGE", RpmLimiter.LogKey(keyId), 0, -1, "WITHSCORES")).Items;
        var scores = new List<long>();
        for (var i = 1; i < items.Count; i += 2)
        {
            scores.Add(long.Parse(items[i].AsString()!, CultureInfo.InvariantCulture));
        }

        return scores;
    }
}
