using Gateway.Redis.Tests.Infrastructure;

namespace Gateway.Redis.Tests;

public sealed class AuthTests : IAsyncLifetime
{
    private const string Password = "s3cret-pass";
    private RedisServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartAsync(new RedisServerOptions { Password = Password });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ConnectAsync_RightPassword_CommandsWork()
    {
        await using var redis = await RedisConnection.ConnectAsync(RedisOptions.Parse($"{_server.Endpoint},password={Password}")).Bounded();

        Assert.Equal("PONG", (await redis.ExecuteAsync("PING").Bounded()).AsString());
    }

    [Fact]
    public async Task ConnectAsync_WrongPassword_ThrowsConnectionExceptionWithoutThePassword()
    {
        var ex = await Assert.ThrowsAsync<RedisConnectionException>(() =>
            RedisConnection.ConnectAsync(RedisOptions.Parse($"{_server.Endpoint},password=wrong-guess")).Bounded());

        Assert.Contains("WRONGPASS", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-guess", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_NoPassword_FailsWithNoAuth()
    {
        await using var redis = await RedisConnection.ConnectAsync(RedisOptions.Parse(_server.Endpoint)).Bounded();

        var ex = await Assert.ThrowsAsync<RedisServerException>(() => redis.ExecuteAsync("GET", "x").Bounded());

        Assert.Equal("NOAUTH", ex.ErrorCode);
    }

    [Fact]
    public async Task ConnectAsync_AclUser_AuthenticatesAsThatUser()
    {
        await using (var admin = await RedisConnection.ConnectAsync(RedisOptions.Parse($"{_server.Endpoint},password={Password}")).Bounded())
        {
            await admin.ExecuteAsync("ACL", "SETUSER", "alice", "on", ">alice-pass", "~*", "&*", "+@all").Bounded();
        }

        await using var alice = await RedisConnection.ConnectAsync(RedisOptions.Parse($"{_server.Endpoint},user=alice,password=alice-pass")).Bounded();
        var whoAmI = await alice.ExecuteAsync("ACL", "WHOAMI").Bounded();

        Assert.Equal("alice", whoAmI.AsString());
    }

    [Fact]
    public async Task SubscribeAsync_WithPassword_AuthenticatesThePubSubConnectionToo()
    {
        await using var redis = await RedisConnection.ConnectAsync(RedisOptions.Parse($"{_server.Endpoint},password={Password}")).Bounded();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await redis.SubscribeAsync("auth-ch", (_, m) =>
        {
            received.TrySetResult(m.ToString());
            return ValueTask.CompletedTask;
        }).Bounded();

        Assert.Equal(1, await redis.PublishAsync("auth-ch", "hello").Bounded());
        Assert.Equal("hello", await received.Task.Bounded());
    }
}
