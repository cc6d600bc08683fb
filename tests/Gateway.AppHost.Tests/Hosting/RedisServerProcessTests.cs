using System.Net;
using System.Net.Sockets;
using Gateway.AppHost.Hosting;
using Gateway.AppHost.Tests.Infrastructure;

namespace Gateway.AppHost.Tests.Hosting;

public sealed class RedisServerProcessTests
{
    private static readonly TimeSpan s_probe = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task StartAsync_FreePort_AnswersPingThenStopsAndStartsAgainOnSamePort()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var port = redis.Port;
        var firstPid = redis.Pid;
        Assert.Equal($"127.0.0.1:{port}", redis.Endpoint);
        Assert.Equal(redis.Endpoint, redis.ConnectionString);
        Assert.True(await RedisPing.PingAsync(port, null, s_probe));

        await redis.StopAsync();
        Assert.False(redis.IsRunning);
        await ProcessAssert.AllGoneAsync([firstPid]);
        Assert.False(await RedisPing.PingAsync(port, null, s_probe));

        await redis.StartAgainAsync();
        Assert.Equal(port, redis.Port);
        Assert.NotEqual(firstPid, redis.Pid);
        Assert.True(await RedisPing.PingAsync(port, null, s_probe));
    }

    [Fact]
    public async Task DisposeAsync_OwnTemporaryDirectory_RemovesProcessAndDirectory()
    {
        var redis = await RedisServerProcess.StartAsync();
        var pid = redis.Pid;
        var directory = redis.DataDirectory;
        Assert.True(Directory.Exists(directory));

        await redis.DisposeAsync();

        await ProcessAssert.AllGoneAsync([pid]);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task StartAsync_WithPassword_PingNeedsAuthAndConnectionStringCarriesIt()
    {
        await using var redis = await RedisServerProcess.StartAsync(new RedisServerOptions { Password = "s3cret-pass" });

        Assert.True(await RedisPing.PingAsync(redis.Port, "s3cret-pass", s_probe));
        Assert.False(await RedisPing.PingAsync(redis.Port, null, s_probe));
        Assert.Equal($"127.0.0.1:{redis.Port},password=s3cret-pass", redis.ConnectionString);
    }

    [Fact]
    public async Task StartAsync_FixedPortTaken_FailsWithServerOutputAndLeavesNoProcess()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var ex = await Assert.ThrowsAsync<ManagedProcessExitedException>(() => RedisServerProcess.StartAsync(port));

        Assert.Contains(ex.LastLines, l => l.Contains("Address already in use", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task StartAsync_RedisNotInstalled_ThrowsWithInstallCommand()
    {
        var options = new RedisServerOptions { Binaries = new ServerBinaries { RedisServer = "/nonexistent/redis-server" } };

        var ex = await Assert.ThrowsAsync<PrerequisiteMissingException>(() => RedisServerProcess.StartAsync(options));

        Assert.Contains(ServerBinaries.InstallCommand, ex.Message);
        Assert.Contains("redis-server", ex.Message);
    }
}
