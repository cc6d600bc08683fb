using System.Threading.Channels;
using Gateway.Redis.Tests.Infrastructure;

namespace Gateway.Redis.Tests;

/// <summary>The real redis-server process is killed and started again on the same port under a live client.</summary>
public sealed class RestartTests : IAsyncLifetime
{
    private RedisServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ServerRestart_WithLiveConnectionAndSubscription_FailsFastThenRecoversByItself()
    {
        var script = new RedisScript($"-- {Guid.NewGuid():N}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])");
        var states = Channel.CreateUnbounded<bool>();
        var messages = Channel.CreateUnbounded<string>();
        await using var redis = await _server.ConnectAsync(o =>
        {
            o.CommandTimeout = TimeSpan.FromSeconds(60); // so that a pending command can only end by the connection failing
            o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(250);
        });
        redis.ConnectionStateChanged += connected => states.Writer.TryWrite(connected);
        await using var subscription = await redis.SubscribeAsync("restart-ch", (_, m) => messages.Writer.WriteAsync(m.ToString())).Bounded();
        Assert.Equal(5, (await redis.EvaluateAsync(script, ["counter"], [5]).Bounded()).AsInt64());
        Assert.Equal(1, await redis.PublishAsync("restart-ch", "before").Bounded());
        Assert.Equal("before", await messages.Reader.ReadAsync().AsTask().Bounded());
        var pending = redis.ExecuteAsync("BLPOP", "never-pushed", 0);
        var pendingBurst = Enumerable.Range(0, 100).Select(i => redis.ExecuteAsync("ECHO", i)).ToArray();

        await _server.StopAsync();

        // In-flight commands fail (not hang, not time out) and are not retried.
        await Assert.ThrowsAsync<RedisConnectionException>(() => pending.Bounded());
        foreach (var task in pendingBurst)
        {
            await Assert.ThrowsAsync<RedisConnectionException>(() => task.Bounded());
        }

        Assert.False(await states.Reader.ReadAsync().AsTask().Bounded());
        Assert.False(redis.IsConnected);

        // New commands fail fast while the server is down.
        await Assert.ThrowsAsync<RedisConnectionException>(() => redis.ExecuteAsync("PING").Bounded());
        await Assert.ThrowsAsync<RedisConnectionException>(() => redis.EvaluateAsync(script, ["counter"], [1]).Bounded());
        await Assert.ThrowsAsync<RedisConnectionException>(() => redis.PublishAsync("restart-ch", "lost").Bounded());

        await _server.StartAgainAsync();

        // The client reconnects by itself.
        Assert.True(await states.Reader.ReadAsync().AsTask().Bounded());
        Assert.True(redis.IsConnected);
        Assert.Equal("PONG", (await redis.ExecuteAsync("PING").Bounded()).AsString());
        Assert.True((await redis.StringGetAsync("counter").Bounded()).IsNull); // a fresh server: the data is gone

        // The script cache is empty on the new server: EVALSHA gets NOSCRIPT and the client falls back to EVAL.
        Assert.Equal(7, (await redis.EvaluateAsync(script, ["counter"], [7]).Bounded()).AsInt64());
        Assert.Equal(8, (await redis.EvaluateAsync(script, ["counter"], [1]).Bounded()).AsInt64());

        // The subscription is restored on the new server (its connection reconnects on its own schedule).
        await TestBounds.EventuallyAsync(async () => await redis.PublishAsync("restart-ch", "probe") == 1, "subscription restored");
        await redis.PublishAsync("restart-ch", "after").Bounded();
        string received;
        do
        {
            received = await messages.Reader.ReadAsync().AsTask().Bounded();
        }
        while (received == "probe");

        Assert.Equal("after", received);
    }

    [Fact]
    public async Task ServerRestart_WithSubscription_SubscriptionStateFalseThenTrueOnceResubscribed()
    {
        var states = Channel.CreateUnbounded<bool>();
        var messages = Channel.CreateUnbounded<string>();
        await using var redis = await _server.ConnectAsync(o => o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(250));
        redis.SubscriptionStateChanged += live => states.Writer.TryWrite(live);
        await using var subscription = await redis.SubscribeAsync("state-ch", (_, m) => messages.Writer.WriteAsync(m.ToString())).Bounded();
        while (states.Reader.TryRead(out _))
        {
            // the first connect of the pub/sub connection (no subscription yet) may have reported true
        }

        await _server.StopAsync();
        Assert.False(await states.Reader.ReadAsync().AsTask().Bounded());
        await _server.StartAgainAsync();

        Assert.True(await states.Reader.ReadAsync().AsTask().Bounded());

        // "true" means the subscription is confirmed again: a message published now is delivered.
        Assert.Equal(1, await redis.PublishAsync("state-ch", "after").Bounded());
        Assert.Equal("after", await messages.Reader.ReadAsync().AsTask().Bounded());
    }

    [Fact]
    public async Task ServerRestart_TwiceInARow_ClientRecoversEachTime()
    {
        await using var redis = await _server.ConnectAsync(o => o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(250));

        for (var round = 1; round <= 2; round++)
        {
            await _server.StopAsync();
            await TestBounds.EventuallyAsync(() => Task.FromResult(!redis.IsConnected), "disconnect noticed");
            await _server.StartAgainAsync();
            await redis.WaitForConnectedAsync().Bounded();

            Assert.Equal(1, await redis.IncrementAsync("counter").Bounded()); // each start is an empty server
        }
    }

    [Fact]
    public async Task Create_ServerDownAtFirst_ConnectsInTheBackgroundOnceItIsUp()
    {
        await _server.StopAsync();
        await using var redis = RedisConnection.Create(new RedisOptions
        {
            Host = "127.0.0.1",
            Port = _server.Port,
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(250),
        });

        Assert.False(redis.IsConnected);
        await Assert.ThrowsAsync<RedisConnectionException>(() => redis.ExecuteAsync("PING").Bounded());

        await _server.StartAgainAsync();
        await redis.WaitForConnectedAsync().Bounded();

        Assert.Equal("PONG", (await redis.ExecuteAsync("PING").Bounded()).AsString());
    }
}
