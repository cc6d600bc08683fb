using Gateway.Grpc;
using Gateway.Quota.Limits;
using Gateway.Redis;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Services.Tests.Quota;

/// <summary>The Quota service over real gRPC with a real redis-server.</summary>
public sealed class QuotaServiceTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static string Key() => "key_" + Guid.NewGuid().ToString("N")[..20];

    [Fact]
    public async Task Admit_ParallelRequestsOverTheLimit_AdmitsExactlyTheLimit()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var key = Key();
        const int limit = 25;

        var responses = await Task.WhenAll(Enumerable.Range(0, 80).Select(_ => quota.AdmitAsync(key, limit)));

        var admitted = responses.Where(r => r.Allowed).ToList();
        Assert.Equal(limit, admitted.Count);
        // Each admission saw a different count: remaining takes every value from limit-1 down to 0 once.
        Assert.Equal(Enumerable.Range(0, limit), admitted.Select(r => r.Remaining).Order());
        Assert.All(responses, r => Assert.Equal(limit, r.Limit));
        Assert.All(responses.Where(r => !r.Allowed), r =>
        {
            Assert.Equal(0, r.Remaining);
            Assert.InRange(r.RetryAfterMs, 1, RpmLimiter.WindowMs);
        });
    }

    [Fact]
    public async Task Admit_TwoInstancesSharingRedis_EnforceOneCombinedLimit()
    {
        await using var first = await QuotaHost.StartAsync(redis.ConnectionString);
        await using var second = await QuotaHost.StartAsync(redis.ConnectionString);
        const int limit = 30;

        // Taking turns: each instance admits half, then both refuse.
        var key = Key();
        for (var i = 0; i < limit; i++)
        {
            var response = await (i % 2 == 0 ? first : second).AdmitAsync(key, limit);
            Assert.True(response.Allowed);
            Assert.Equal(limit - 1 - i, response.Remaining);
        }

        Assert.False((await first.AdmitAsync(key, limit)).Allowed);
        Assert.False((await second.AdmitAsync(key, limit)).Allowed);

        // All at once through both: still exactly the limit in total.
        var burstKey = Key();
        var burst = await Task.WhenAll(Enumerable.Range(0, 90).Select(i => (i % 2 == 0 ? first : second).AdmitAsync(burstKey, limit)));
        Assert.Equal(limit, burst.Count(r => r.Allowed));
    }

    [Fact]
    public async Task Admit_EntriesLeaveTheWindow_AdmitsAgainExactlyThatMany()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var connection = quota.Services.GetRequiredService<RedisConnection>();
        var key = Key();
        const int limit = 5;
        for (var i = 0; i < limit; i++)
        {
            Assert.True((await quota.AdmitAsync(key, limit)).Allowed);
        }

        Assert.False((await quota.AdmitAsync(key, limit)).Allowed);

        // Move the two oldest admissions a full window into the past, as if 60 s had gone by for them.
        await AgeAsync(connection, key, count: 2, byMs: RpmLimiter.WindowMs);

        Assert.True((await quota.AdmitAsync(key, limit)).Allowed);
        var last = await quota.AdmitAsync(key, limit);
        Assert.True(last.Allowed);
        Assert.Equal(0, last.Remaining);
        Assert.False((await quota.AdmitAsync(key, limit)).Allowed);
    }

    [Fact]
    public async Task Admit_Refused_RetryAfterIsWhenTheOldestAdmissionLeavesTheWindow()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var connection = quota.Services.GetRequiredService<RedisConnection>();
        var key = Key();
        Assert.True((await quota.AdmitAsync(key, 1)).Allowed);
        // The admission now looks 50 s old by the Redis clock: it leaves the window in (at most) 10 s.
        await AgeAsync(connection, key, count: 1, byMs: 50_000);

        var refused = await quota.AdmitAsync(key, 1);

        Assert.False(refused.Allowed);
        Assert.InRange(refused.RetryAfterMs, 1, 10_000);
        var score = long.Parse((await connection.ExecuteAsync("ZRANGE", RpmLimiter.LogKey(key), 0, 0, "WITHSCORES")).Items[1].AsString()!,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(score + RpmLimiter.WindowMs, refused.ResetUnixMs);
    }

    [Fact]
    public async Task Admit_ZeroLimit_UsesConfiguredDefault()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString, defaultRpm: 3);
        var key = Key();

        var responses = new List<Gateway.Quota.V1.AdmitResponse>();
        for (var i = 0; i < 4; i++)
        {
            responses.Add(await quota.AdmitAsync(key, 0));
        }

        Assert.All(responses, r => Assert.Equal(3, r.Limit));
        Assert.Equal([true, true, true, false], responses.Select(r => r.Allowed));
        Assert.Equal([2, 1, 0, 0], responses.Select(r => r.Remaining));
    }

    [Fact]
    public async Task Admit_Admitted_LogKeyExpiresWithinAWindow()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var connection = quota.Services.GetRequiredService<RedisConnection>();
        var key = Key();

        await quota.AdmitAsync(key, 10);

        var ttl = (await connection.ExecuteAsync("PTTL", RpmLimiter.LogKey(key))).AsInt64();
        Assert.InRange(ttl, 1, RpmLimiter.WindowMs);
    }

    [Fact]
    public async Task Admit_Counted_InTheQuotaMeterByOutcome()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);
        var meterFactory = quota.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var allowed = 0L;
        var refused = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this host's meter (meters from an IMeterFactory carry it as their scope).
            if (instrument.Meter.Scope == meterFactory && instrument.Name == "gateway.quota.rpm.admissions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "gateway.quota.allowed")
                {
                    if ((bool)tag.Value!)
                    {
                        Interlocked.Add(ref allowed, value);
                    }
                    else
                    {
                        Interlocked.Add(ref refused, value);
                    }
                }
            }
        });
        listener.Start();
        var key = Key();

        for (var i = 0; i < 5; i++)
        {
            await quota.AdmitAsync(key, 3);
        }

        Assert.Equal(3, Interlocked.Read(ref allowed));
        Assert.Equal(2, Interlocked.Read(ref refused));
    }

    [Fact]
    public async Task Admit_DefaultRpmIsSixty()
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);

        var response = await quota.AdmitAsync(Key(), 0);

        Assert.Equal(60, response.Limit);
        Assert.Equal(59, response.Remaining);
    }

    [Theory]
    [InlineData("", 10)]
    [InlineData("key", -1)]
    public async Task Admit_InvalidRequest_InvalidArgument(string key, int rpm)
    {
        await using var quota = await QuotaHost.StartAsync(redis.ConnectionString);

        var error = await Assert.ThrowsAsync<RpcException>(() => quota.AdmitAsync(key, rpm));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Start_DefaultRpmZero_FailsValidation()
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => QuotaHost.StartAsync(redis.ConnectionString, defaultRpm: 0));
    }

    /// <summary>Moves the <paramref name="count"/> oldest admissions of a key <paramref name="byMs"/> into the past.</summary>
    private static async Task AgeAsync(RedisConnection connection, string keyId, int count, long byMs)
    {
        var script = new RedisScript("""
            local entries = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
            for i = 1, #entries, 2 do
              redis.call('ZADD', KEYS[1], tonumber(entries[i + 1]) - tonumber(ARGV[2]), entries[i])
            end
            return #entries / 2
            """);
        var moved = await connection.EvaluateAsync(script, [RpmLimiter.LogKey(keyId)], [count, byMs]);
        Assert.Equal(count, moved.AsInt64());
    }
}
