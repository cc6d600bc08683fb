using System.Threading.Channels;
using Gateway.Redis.Tests.Infrastructure;

namespace Gateway.Redis.Tests;

public sealed class PubSubTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private RedisConnection _redis = null!;

    public async Task InitializeAsync() => _redis = await fixture.ConnectAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task SubscribeAsync_ManyMessagesPublished_ReceivedAllInOrder()
    {
        var channel = TestBounds.UniqueKey("ch");
        var received = Channel.CreateUnbounded<(string Channel, string Message)>();
        await using var subscription = await _redis.SubscribeAsync(channel, (ch, message) => received.Writer.WriteAsync((ch, message.ToString()))).Bounded();

        var receivers = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => _redis.PublishAsync(channel, $"m{i}"))).Bounded();

        Assert.All(receivers, count => Assert.Equal(1, count));
        for (var i = 0; i < 500; i++)
        {
            var (ch, message) = await received.Reader.ReadAsync().AsTask().Bounded();
            Assert.Equal(channel, ch);
            Assert.Equal($"m{i}", message);
        }
    }

    [Fact]
    public async Task SubscribeAsync_BinaryPayload_ArrivesUnchanged()
    {
        var channel = TestBounds.UniqueKey("ch");
        var payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await _redis.SubscribeAsync(channel, (_, message) =>
        {
            received.TrySetResult(message.ToByteArray()!);
            return ValueTask.CompletedTask;
        }).Bounded();

        await _redis.PublishAsync(channel, payload).Bounded();

        Assert.Equal(payload, await received.Task.Bounded());
    }

    [Fact]
    public async Task DisposeAsync_LastHandlerOfChannel_UnsubscribesOnTheServer()
    {
        var channel = TestBounds.UniqueKey("ch");
        var first = Channel.CreateUnbounded<string>();
        var second = Channel.CreateUnbounded<string>();
        var subscription1 = await _redis.SubscribeAsync(channel, (_, m) => first.Writer.WriteAsync(m.ToString())).Bounded();
        var subscription2 = await _redis.SubscribeAsync(channel, (_, m) => second.Writer.WriteAsync(m.ToString())).Bounded();

        Assert.Equal(1, await _redis.PublishAsync(channel, "both").Bounded()); // one subscribed connection
        Assert.Equal("both", await first.Reader.ReadAsync().AsTask().Bounded());
        Assert.Equal("both", await second.Reader.ReadAsync().AsTask().Bounded());

        await subscription1.DisposeAsync().AsTask().Bounded();
        Assert.Equal(1, await _redis.PublishAsync(channel, "second-only").Bounded());
        Assert.Equal("second-only", await second.Reader.ReadAsync().AsTask().Bounded());

        await subscription2.DisposeAsync().AsTask().Bounded();
        Assert.Equal(0, await _redis.PublishAsync(channel, "nobody").Bounded());
        Assert.False(first.Reader.TryRead(out _));
        Assert.False(second.Reader.TryRead(out _));
    }

    [Fact]
    public async Task PatternSubscribeAsync_MatchingChannels_ReceivesPatternChannelAndMessage()
    {
        var prefix = TestBounds.UniqueKey("news");
        var received = Channel.CreateUnbounded<(string Pattern, string Channel, string Message)>();
        await using var subscription = await _redis.PatternSubscribeAsync($"{prefix}.*", (pattern, channel, message) =>
            received.Writer.WriteAsync((pattern, channel, message.ToString()))).Bounded();

        Assert.Equal(1, await _redis.PublishAsync($"{prefix}.sport", "goal").Bounded());
        Assert.Equal(0, await _redis.PublishAsync($"{prefix}-other", "ignored").Bounded());
        Assert.Equal(1, await _redis.PublishAsync($"{prefix}.tech", "chip").Bounded());

        Assert.Equal(($"{prefix}.*", $"{prefix}.sport", "goal"), await received.Reader.ReadAsync().AsTask().Bounded());
        Assert.Equal(($"{prefix}.*", $"{prefix}.tech", "chip"), await received.Reader.ReadAsync().AsTask().Bounded());

        await subscription.DisposeAsync();
        Assert.Equal(0, await _redis.PublishAsync($"{prefix}.sport", "after").Bounded());
    }

    [Fact]
    public async Task SubscribeAsync_HandlerThrows_LaterMessagesStillDelivered()
    {
        var channel = TestBounds.UniqueKey("ch");
        var received = Channel.CreateUnbounded<string>();
        await using var subscription = await _redis.SubscribeAsync(channel, async (_, message) =>
        {
            if (message == "boom")
            {
                throw new InvalidOperationException("handler failure");
            }

            await received.Writer.WriteAsync(message.ToString());
        }).Bounded();

        await _redis.PublishAsync(channel, "boom").Bounded();
        await _redis.PublishAsync(channel, "fine").Bounded();

        Assert.Equal("fine", await received.Reader.ReadAsync().AsTask().Bounded());
    }

    [Fact]
    public async Task SubscribeAsync_HandlerBlocked_ReadLoopAndCommandsKeepGoing()
    {
        var slowChannel = TestBounds.UniqueKey("slow");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = Channel.CreateUnbounded<string>();
        await using var slow = await _redis.SubscribeAsync(slowChannel, async (_, message) =>
        {
            await gate.Task;
            await received.Writer.WriteAsync(message.ToString());
        }).Bounded();

        for (var i = 0; i < 100; i++)
        {
            await _redis.PublishAsync(slowChannel, $"m{i}").Bounded();
        }

        // While the handler is stuck, the pub/sub connection still reads replies (a new subscription is confirmed)
        // and the command connection is unaffected.
        await using var another = await _redis.SubscribeAsync(TestBounds.UniqueKey("other"), (_, _) => ValueTask.CompletedTask).Bounded();
        Assert.Equal("PONG", (await _redis.ExecuteAsync("PING").Bounded()).AsString());
        Assert.False(received.Reader.TryRead(out _));

        gate.SetResult();
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal($"m{i}", await received.Reader.ReadAsync().AsTask().Bounded());
        }
    }

    [Fact]
    public async Task SubscribeAsync_SeparateConnection_CommandsStillRunOnTheMainConnection()
    {
        var channel = TestBounds.UniqueKey("ch");
        await using var subscription = await _redis.SubscribeAsync(channel, (_, _) => ValueTask.CompletedTask).Bounded();

        var key = TestBounds.UniqueKey();
        await _redis.StringSetAsync(key, "still-works").Bounded();

        Assert.Equal("still-works", (await _redis.StringGetAsync(key).Bounded()).ToString());
    }
}
