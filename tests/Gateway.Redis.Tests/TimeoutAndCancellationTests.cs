using Gateway.Redis.Tests.Infrastructure;

namespace Gateway.Redis.Tests;

/// <summary>
/// A command that times out or is cancelled after it was sent still gets its reply later; the connection must read and
/// drop that reply so the next command gets its own. The blocking command is BLPOP on an empty list: it stays blocked
/// until another connection pushes, so no test depends on timing.
/// </summary>
public sealed class TimeoutAndCancellationTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task ExecuteAsync_TimedOutAfterSending_LateReplyIsDroppedAndNextCommandGetsItsOwnReply()
    {
        var name = $"blocker-{Guid.NewGuid():N}";
        var list = TestBounds.UniqueKey();
        await using var blocker = await fixture.ConnectAsync(o =>
        {
            o.CommandTimeout = TimeSpan.FromMilliseconds(500);
            o.ClientName = name;
        });
        await using var other = await fixture.ConnectAsync();

        var timeout = await Assert.ThrowsAsync<RedisTimeoutException>(() => blocker.ExecuteAsync("BLPOP", list, 0).Bounded());
        await WaitUntilBlockedAsync(other, name);
        Assert.Equal(1, (await other.ExecuteAsync("LPUSH", list, "late").Bounded()).AsInt64());
        var next = await blocker.ExecuteAsync("ECHO", "after").Bounded();
        var counter = await blocker.IncrementAsync(TestBounds.UniqueKey()).Bounded();

        Assert.Contains("BLPOP", timeout.Message, StringComparison.Ordinal);
        Assert.Equal("after", next.AsString());
        Assert.Equal(1, counter);
        Assert.Equal(0, (await other.ExecuteAsync("LLEN", list).Bounded()).AsInt64()); // the timed-out BLPOP did take the item
        Assert.True(blocker.IsConnected);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledAfterSending_LateReplyIsDroppedAndNextCommandGetsItsOwnReply()
    {
        var name = $"blocker-{Guid.NewGuid():N}";
        var list = TestBounds.UniqueKey();
        await using var blocker = await fixture.ConnectAsync(o =>
        {
            o.ClientName = name;
            o.CommandTimeout = TimeSpan.FromSeconds(30);
        });
        await using var other = await fixture.ConnectAsync();
        using var cts = new CancellationTokenSource();

        var blpop = blocker.ExecuteAsync("BLPOP", [list, 0], cts.Token);
        await WaitUntilBlockedAsync(other, name);
        var queuedBehind = blocker.ExecuteAsync("ECHO", "queued-behind");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blpop.Bounded());
        await other.ExecuteAsync("LPUSH", list, "late").Bounded();
        Assert.Equal("queued-behind", (await queuedBehind.Bounded()).AsString());
        Assert.Equal("after", (await blocker.ExecuteAsync("ECHO", "after").Bounded()).AsString());
        Assert.Equal(0, (await other.ExecuteAsync("LLEN", list).Bounded()).AsInt64());
    }

    [Fact]
    public async Task ExecuteAsync_AlreadyCancelledToken_FailsWithoutSending()
    {
        await using var redis = await fixture.ConnectAsync();
        var key = TestBounds.UniqueKey();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => redis.ExecuteAsync("SET", [key, "x"], new CancellationToken(canceled: true)).Bounded());

        Assert.False(await redis.KeyExistsAsync(key).Bounded());
    }

    [Fact]
    public async Task ExecuteAsync_ManyCommandsTimingOutWhileBlocked_LaterCommandsStayInStep()
    {
        var name = $"blocker-{Guid.NewGuid():N}";
        var list = TestBounds.UniqueKey();
        await using var blocker = await fixture.ConnectAsync(o =>
        {
            o.CommandTimeout = TimeSpan.FromMilliseconds(500);
            o.ClientName = name;
        });
        await using var other = await fixture.ConnectAsync();

        var blpop = blocker.ExecuteAsync("BLPOP", list, 0);
        var stuck = Enumerable.Range(0, 50).Select(i => blocker.ExecuteAsync("ECHO", $"stuck-{i}")).ToArray();
        await Assert.ThrowsAsync<RedisTimeoutException>(() => blpop.Bounded());
        foreach (var task in stuck)
        {
            await Assert.ThrowsAsync<RedisTimeoutException>(() => task.Bounded());
        }

        await WaitUntilBlockedAsync(other, name);
        await other.ExecuteAsync("LPUSH", list, "late").Bounded();
        var after = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => blocker.ExecuteAsync("ECHO", $"after-{i}"))).Bounded();

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"after-{i}"), after.Select(r => r.AsString()));
    }

    private static Task WaitUntilBlockedAsync(RedisConnection observer, string clientName) =>
        TestBounds.EventuallyAsync(
            async () =>
            {
                var clients = (await observer.ExecuteAsync("CLIENT", "LIST").Bounded()).AsString()!;
                return clients.Split('\n').Any(line => line.Contains($" name={clientName} ", StringComparison.Ordinal) && line.Contains(" cmd=blpop ", StringComparison.Ordinal));
            },
            $"{clientName} blocked in BLPOP");
}
