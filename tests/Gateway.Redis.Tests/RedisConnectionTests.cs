using System.Net;
using System.Net.Sockets;
using Gateway.Redis.Tests.Infrastructure;

namespace Gateway.Redis.Tests;

public sealed class RedisConnectionTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private RedisConnection _redis = null!;

    public async Task InitializeAsync() => _redis = await fixture.ConnectAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task ExecuteAsync_EveryReplyType_RoundTrips()
    {
        var key = TestBounds.UniqueKey();
        var list = TestBounds.UniqueKey();

        var ok = await _redis.ExecuteAsync("SET", key, "value").Bounded();
        var bulk = await _redis.ExecuteAsync("GET", key).Bounded();
        var integer = await _redis.ExecuteAsync("APPEND", key, "!").Bounded();
        var missing = await _redis.ExecuteAsync("GET", TestBounds.UniqueKey()).Bounded();
        await _redis.ExecuteAsync("RPUSH", list, "a", "b", 3).Bounded();
        var array = await _redis.ExecuteAsync("LRANGE", list, 0, -1).Bounded();
        var empty = await _redis.ExecuteAsync("LRANGE", TestBounds.UniqueKey(), 0, -1).Bounded();
        var nullArray = await _redis.ExecuteAsync("BLPOP", TestBounds.UniqueKey(), "0.01").Bounded();

        Assert.Equal(RedisResultType.SimpleString, ok.Type);
        Assert.Equal("OK", ok.AsString());
        Assert.Equal(RedisResultType.BulkString, bulk.Type);
        Assert.Equal("value", bulk.AsString());
        Assert.Equal(RedisResultType.Integer, integer.Type);
        Assert.Equal(6, integer.AsInt64());
        Assert.True(missing.IsNull);
        Assert.True(missing.AsValue().IsNull);
        Assert.Equal(RedisResultType.Array, array.Type);
        Assert.Equal(["a", "b", "3"], array.Items.Select(i => i.AsString()));
        Assert.Equal(3, array.Items[2].AsInt64());
        Assert.Equal(RedisResultType.Array, empty.Type);
        Assert.Empty(empty.Items);
        Assert.True(nullArray.IsNull);
    }

    [Fact]
    public async Task ExecuteAsync_ScriptReturningNestedTables_KeepsNestingAndNestedErrors()
    {
        var result = await _redis.ExecuteAsync("EVAL", "return {1, {2, {'x', redis.error_reply('MYERR inner')}}, 'y'}", 0).Bounded();

        Assert.Equal(1, result.Items[0].AsInt64());
        Assert.Equal(2, result.Items[1].Items[0].AsInt64());
        Assert.Equal("x", result.Items[1].Items[1].Items[0].AsString());
        Assert.Equal(RedisResultType.Error, result.Items[1].Items[1].Items[1].Type);
        Assert.Equal("MYERR inner", result.Items[1].Items[1].Items[1].AsString());
        Assert.Equal("y", result.Items[2].AsString());
    }

    [Fact]
    public async Task ExecuteAsync_BinaryValueWithEveryByte_RoundTripsExactly()
    {
        var key = TestBounds.UniqueKey();
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("\r\n$-1\r\n*0\r\n"u8.ToArray()).ToArray();

        await _redis.StringSetAsync(key, value).Bounded();
        var read = await _redis.StringGetAsync(key).Bounded();

        Assert.Equal(value, read.ToByteArray());
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(5 << 20)]
    public async Task StringGetAsync_LargeValue_ArrivesWholeAcrossManyReads(int size)
    {
        var key = TestBounds.UniqueKey();
        var value = new byte[size];
        Random.Shared.NextBytes(value);

        await _redis.StringSetAsync(key, value).Bounded();
        var reads = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _redis.StringGetAsync(key))).Bounded();

        Assert.All(reads, read => Assert.Equal(value, read.ToByteArray()));
    }

    [Fact]
    public async Task ExecuteAsync_ArrayOfManySmallItems_ArrivesInOrder()
    {
        var list = TestBounds.UniqueKey();
        var items = Enumerable.Range(0, 20_000).Select(i => (RedisValue)$"item-{i}").ToArray();
        await _redis.ExecuteAsync("RPUSH", [list, .. items]).Bounded();

        var range = await _redis.ExecuteAsync("LRANGE", list, 0, -1).Bounded();

        Assert.Equal(items.Select(i => i.ToString()), range.Items.Select(i => i.AsString()));
    }

    [Fact]
    public async Task ExecuteAsync_ThousandsOfConcurrentCommandsFromManyTasks_EachGetsItsOwnReply()
    {
        var prefix = TestBounds.UniqueKey();

        // 2,000 commands in flight at once, each with a distinct expected answer.
        var increments = Enumerable.Range(1, 2_000)
            .Select(i => Task.Run(async () => (Expected: (long)i, Actual: (await _redis.ExecuteAsync("INCRBY", $"{prefix}:a:{i}", i)).AsInt64())));
        // 40 tasks, each incrementing its own key 50 times in sequence: every reply must be the next number.
        var sequences = Enumerable.Range(0, 40).Select(t => Task.Run(async () =>
        {
            List<long> seen = [];
            for (var n = 0; n < 50; n++)
            {
                seen.Add(await _redis.IncrementAsync($"{prefix}:b:{t}"));
            }

            return seen;
        }));

        var incremented = await Task.WhenAll(increments).Bounded();
        var sequenced = await Task.WhenAll(sequences).Bounded();

        Assert.All(incremented, r => Assert.Equal(r.Expected, r.Actual));
        Assert.All(sequenced, seen => Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), seen));
    }

    [Fact]
    public async Task ExecuteAsync_PipelinedBurstWithoutAwaiting_RepliesMatchInOrder()
    {
        var tasks = new Task<RedisResult>[10_000];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = _redis.ExecuteAsync("ECHO", $"burst-{i}");
        }

        var replies = await Task.WhenAll(tasks).Bounded();

        for (var i = 0; i < replies.Length; i++)
        {
            Assert.Equal($"burst-{i}", replies[i].AsString());
        }
    }

    [Fact]
    public async Task ExecuteAsync_ServerErrors_ThrowServerExceptionAndConnectionKeepsWorking()
    {
        var key = TestBounds.UniqueKey();
        await _redis.ExecuteAsync("RPUSH", key, "x").Bounded();

        var wrongType = await Assert.ThrowsAsync<RedisServerException>(() => _redis.ExecuteAsync("GET", key).Bounded());
        var unknown = await Assert.ThrowsAsync<RedisServerException>(() => _redis.ExecuteAsync("NOSUCHCOMMAND", 1).Bounded());
        var afterErrors = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => _redis.ExecuteAsync("ECHO", i))).Bounded();

        Assert.Equal("WRONGTYPE", wrongType.ErrorCode);
        Assert.StartsWith("WRONGTYPE", wrongType.Message, StringComparison.Ordinal);
        Assert.Equal("ERR", unknown.ErrorCode);
        Assert.True(_redis.IsConnected);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), afterErrors.Select(r => r.AsInt64()));
    }

    [Fact]
    public async Task ExecuteAsync_InterleavedErrorsAndSuccessesInOneBurst_EachCallerGetsItsOwnOutcome()
    {
        var list = TestBounds.UniqueKey();
        await _redis.ExecuteAsync("RPUSH", list, "x").Bounded();

        var tasks = Enumerable.Range(0, 1_000).Select(i => i % 3 == 0 ? _redis.ExecuteAsync("INCR", list) : _redis.ExecuteAsync("ECHO", i)).ToArray();
        await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).Bounded();

        for (var i = 0; i < tasks.Length; i++)
        {
            if (i % 3 == 0)
            {
                Assert.IsType<RedisServerException>(tasks[i].Exception!.InnerException);
            }
            else
            {
                Assert.Equal(i, (await tasks[i]).AsInt64());
            }
        }
    }

    [Fact]
    public async Task ExecuteAsync_SpanAndListOverloads_SendTheGivenArguments()
    {
        var key = TestBounds.UniqueKey();
        List<RedisValue> args = [key, "from-list"];

        RedisValue[] array = [key];

        await _redis.ExecuteAsync("SET", args, CancellationToken.None).Bounded();
        var fromSpan = await _redis.ExecuteAsync("GET", [key], CancellationToken.None).Bounded();
        var fromArray = await _redis.ExecuteAsync("GET", array, CancellationToken.None).Bounded();

        Assert.Equal("from-list", fromSpan.AsString());
        Assert.Equal("from-list", fromArray.AsString());
    }

    [Theory]
    [InlineData("MULTI")]
    [InlineData("subscribe")]
    [InlineData("SELECT")]
    [InlineData("WATCH")]
    public async Task ExecuteAsync_CommandThatWouldBreakTheSharedConnection_IsRejected(string command)
    {
        Assert.Throws<ArgumentException>(() => { _ = _redis.ExecuteAsync(command, "x"); });
        Assert.Equal("PONG", (await _redis.ExecuteAsync("PING").Bounded()).AsString());
    }

    [Fact]
    public async Task TypedHelpers_StringsKeysAndCounters_BehaveLikeTheCommands()
    {
        var key = TestBounds.UniqueKey();
        var counter = TestBounds.UniqueKey();

        Assert.False(await _redis.StringSetAsync(key, "v0", when: When.Exists).Bounded());
        Assert.True(await _redis.StringSetAsync(key, "v1", when: When.NotExists).Bounded());
        Assert.False(await _redis.StringSetAsync(key, "v2", when: When.NotExists).Bounded());
        Assert.True(await _redis.StringSetAsync(key, "v3", TimeSpan.FromMinutes(5), When.Exists).Bounded());
        Assert.Equal("v3", (await _redis.StringGetAsync(key).Bounded()).ToString());
        var ttl = await _redis.KeyTimeToLiveAsync(key).Bounded();
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.True(await _redis.KeyExpireAsync(key, null).Bounded());
        Assert.Null(await _redis.KeyTimeToLiveAsync(key).Bounded());
        Assert.True(await _redis.KeyExpireAsync(key, TimeSpan.FromHours(1)).Bounded());
        Assert.True(await _redis.KeyExistsAsync(key).Bounded());
        Assert.True(await _redis.KeyDeleteAsync(key).Bounded());
        Assert.False(await _redis.KeyExistsAsync(key).Bounded());
        Assert.False(await _redis.KeyDeleteAsync(key).Bounded());
        Assert.True((await _redis.StringGetAsync(key).Bounded()).IsNull);

        Assert.Equal(1, await _redis.IncrementAsync(counter).Bounded());
        Assert.Equal(11, await _redis.IncrementAsync(counter, 10).Bounded());
        Assert.Equal(-4, await _redis.IncrementAsync(counter, -15).Bounded());
        Assert.Equal(1, await _redis.KeyDeleteAsync([counter, TestBounds.UniqueKey()]).Bounded());
        Assert.True(await _redis.PingAsync().Bounded() >= TimeSpan.Zero);
    }

    [Fact]
    public async Task TypedHelpers_Hashes_BehaveLikeTheCommands()
    {
        var key = TestBounds.UniqueKey();

        Assert.True(await _redis.HashSetAsync(key, "a", 1).Bounded());
        Assert.False(await _redis.HashSetAsync(key, "a", 2).Bounded());
        Assert.Equal(2, await _redis.HashSetAsync(key, [("b", "bee"), ("c", new byte[] { 0, 255 })]).Bounded());
        Assert.Equal(1, await _redis.HashSetAsync(key, new Dictionary<string, RedisValue> { ["d"] = 4.5, ["a"] = 3 }).Bounded());
        Assert.Equal(10, await _redis.HashIncrementAsync(key, "a", 7).Bounded());
        Assert.Equal(1, await _redis.HashIncrementAsync(key, "new").Bounded());
        Assert.Equal("bee", (await _redis.HashGetAsync(key, "b").Bounded()).ToString());
        Assert.True((await _redis.HashGetAsync(key, "missing").Bounded()).IsNull);
        Assert.True(await _redis.HashDeleteAsync(key, "new").Bounded());

        var all = await _redis.HashGetAllAsync(key).Bounded();

        Assert.Equal(["a", "b", "c", "d"], all.Keys.Order());
        Assert.Equal(10, all["a"].ToInt64());
        Assert.Equal(new byte[] { 0, 255 }, all["c"].ToByteArray());
        Assert.Equal(4.5, all["d"].ToDouble());
        Assert.Empty(await _redis.HashGetAllAsync(TestBounds.UniqueKey()).Bounded());
    }

    [Fact]
    public async Task ConnectAsync_WithDatabase_SelectsItOnTheConnection()
    {
        var key = TestBounds.UniqueKey();
        await using var db3 = await fixture.ConnectAsync(o => o.Database = 3);
        await using var db3Again = await fixture.ConnectAsync(o => o.Database = 3);

        await db3.StringSetAsync(key, "in-db-3").Bounded();

        Assert.Equal("in-db-3", (await db3Again.StringGetAsync(key).Bounded()).ToString());
        Assert.True((await _redis.StringGetAsync(key).Bounded()).IsNull);
        Assert.Equal(3, await CurrentDatabaseAsync(db3));
    }

    [Fact]
    public async Task ConnectAsync_WithClientName_SetsTheName()
    {
        await using var named = await fixture.ConnectAsync(o => o.ClientName = "gateway-test");

        var name = await named.ExecuteAsync("CLIENT", "GETNAME").Bounded();

        Assert.Equal("gateway-test", name.AsString());
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_ThrowsConnectionException()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var options = RedisOptions.Parse($"127.0.0.1:{port},connectTimeout=2000");

        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(options).Bounded());
    }

    [Fact]
    public async Task DisposeAsync_WithCommandInFlight_FailsItAndRejectsNewCommands()
    {
        var redis = await fixture.ConnectAsync(o => o.CommandTimeout = TimeSpan.FromMinutes(1));
        var blocked = redis.ExecuteAsync("BLPOP", TestBounds.UniqueKey(), 0);

        await redis.DisposeAsync();

        await Assert.ThrowsAsync<RedisConnectionException>(() => blocked.Bounded());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => redis.ExecuteAsync("PING"));
        Assert.False(redis.IsConnected);
    }

    private static async Task<long> CurrentDatabaseAsync(RedisConnection connection)
    {
        var info = (await connection.ExecuteAsync("CLIENT", "INFO").Bounded()).AsString()!;
        var db = info.Split(' ').Single(part => part.StartsWith("db=", StringComparison.Ordinal));
        return long.Parse(db[3..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
