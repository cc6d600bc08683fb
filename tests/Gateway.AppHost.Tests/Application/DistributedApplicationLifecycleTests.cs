using System.Collections.Concurrent;
using Gateway.AppHost.Hosting;
using Gateway.AppHost.Tests.Infrastructure;

namespace Gateway.AppHost.Tests.Application;

/// <summary>Starting and stopping real resources: redis-server plus small node and sh executables.</summary>
public sealed class DistributedApplicationLifecycleTests
{
    // An HTTP server that answers /health/ready and echoes its environment at /env/NAME.
    private const string EnvServer = """
        const http = require('http');
        http.createServer((req, res) => {
          if (req.url === '/health/ready') { res.end('ok'); return; }
          if (req.url.startsWith('/env/')) {
            const value = process.env[decodeURIComponent(req.url.slice(5))];
            res.statusCode = value === undefined ? 404 : 200; res.end(value ?? ''); return;
          }
          res.statusCode = 404; res.end();
        }).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
        """;

    private readonly ConcurrentQueue<string> _output = new();

    [Fact]
    public async Task StartAsync_ExecutableWaitsForRedis_StartsAfterHealthyWithWiredEnvironmentAndStopsInReverse()
    {
        var builder = DistributedApplication.CreateBuilder(Options());
        var redis = builder.AddRedis("redis");
        builder.AddExecutable("web", "node", null, "-e", EnvServer)
            .WithHttpEndpoint("http", env: "PORT")
            .WithHttpHealthCheck()
            .WithReference(redis).WaitFor(redis);
        await using var app = builder.Build();

        await app.StartAsync(Timeout());
        var pids = app.GetProcessIds("redis").Concat(app.GetProcessIds("web")).ToList();
        using var http = new HttpClient { BaseAddress = new Uri(app.GetResource("web").PrimaryEndpoint.Url) };
        var wired = await http.GetStringAsync("/env/ConnectionStrings__Redis");
        var serviceName = await http.GetStringAsync("/env/OTEL_SERVICE_NAME");
        await app.StopAsync();

        Assert.Equal(redis.Resource.GetConnectionString(), wired);
        Assert.Equal("web", serviceName);
        var events = app.Events;
        int Index(string resource, ResourceState state) => events.ToList().FindIndex(e => e.Resource == resource && e.State == state);
        Assert.True(Index("redis", ResourceState.Healthy) >= 0);
        Assert.True(Index("redis", ResourceState.Healthy) < Index("web", ResourceState.Starting), "web started before redis was healthy");
        Assert.True(Index("web", ResourceState.Stopped) < Index("redis", ResourceState.Stopping), "redis stopped before web");
        Assert.Equal(2, pids.Count);
        await ProcessAssert.AllGoneAsync(pids);
        Assert.Empty(app.GetLeftoverProcessIds());
    }

    [Fact]
    public async Task StartAsync_ChildExitsDuringStartup_StopsEverythingAndReportsItsLastLines()
    {
        var builder = DistributedApplication.CreateBuilder(Options());
        var redis = builder.AddRedis("redis");
        builder.AddExecutable("crasher", "/bin/sh", null, "-c", "echo boom-before-exit; exit 7")
            .WithHttpEndpoint(env: "PORT").WithHttpHealthCheck()
            .WaitFor(redis);
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync(Timeout()));

        Assert.Equal("crasher", ex.ResourceName);
        Assert.Contains("boom-before-exit", ex.Message);
        Assert.Contains("code 7", ex.Message);
        var redisPids = app.Events.Where(e => e.Resource == "redis" && e.State == ResourceState.Healthy).SelectMany(e => e.ProcessIds).ToList();
        await ProcessAssert.AllGoneAsync(redisPids);
        Assert.Contains(app.Events, e => e.Resource == "crasher" && e.State == ResourceState.Failed);
        Assert.Contains(app.Events, e => e.Resource == "redis" && e.State == ResourceState.Stopped);
    }

    [Fact]
    public async Task StartAsync_HealthCheckNeverPasses_TimesOutAndKillsTheProcess()
    {
        var options = Options();
        options.StartupTimeout = TimeSpan.FromSeconds(2);
        var builder = DistributedApplication.CreateBuilder(options);
        builder.AddExecutable("silent", "/bin/sh", null, "-c", "echo pid=$$; echo started-but-never-listens; exec sleep 300")
            .WithHttpEndpoint(env: "PORT").WithHttpHealthCheck();
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync(Timeout()));

        Assert.Contains("did not answer 200", ex.Message);
        Assert.Contains("started-but-never-listens", ex.Message);
        var pidLine = Assert.Single(_output, l => l.StartsWith("[silent] pid=", StringComparison.Ordinal));
        await ProcessAssert.AllGoneAsync([int.Parse(pidLine["[silent] pid=".Length..], System.Globalization.CultureInfo.InvariantCulture)]);
    }

    [Fact]
    public async Task StartAsync_CancelledWhileStarting_StopsWhatStartedAndThrowsCancelled()
    {
        var builder = DistributedApplication.CreateBuilder(Options());
        var redis = builder.AddRedis("redis");
        builder.AddExecutable("slow", "/bin/sh", null, "-c", "echo slow-started; exec sleep 300")
            .WithHttpEndpoint(env: "PORT").WithHttpHealthCheck()
            .WaitFor(redis);
        await using var app = builder.Build();
        using var cancel = new CancellationTokenSource();
        var slowPid = 0;
        var start = app.StartAsync(cancel.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (slowPid == 0 && !start.IsCompleted && DateTime.UtcNow < deadline)
        {
            slowPid = app.GetProcessIds("slow").FirstOrDefault();
            await Task.Delay(20);
        }

        var redisPid = app.GetProcessIds("redis").Single();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start);
        await ProcessAssert.AllGoneAsync([slowPid, redisPid]);
    }

    [Fact]
    public async Task StartAsync_RedisNotInstalled_ThrowsInstallHintBeforeStartingAnything()
    {
        var options = Options();
        options.Binaries = new ServerBinaries { RedisServer = "/nonexistent/redis-server" };
        var builder = DistributedApplication.CreateBuilder(options);
        builder.AddExecutable("first", "/bin/sh", null, "-c", "exec sleep 300");
        builder.AddRedis("redis");
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<PrerequisiteMissingException>(() => app.StartAsync(Timeout()));

        Assert.Contains(ServerBinaries.InstallCommand, ex.Message);
        Assert.DoesNotContain(app.Events, e => e.State == ResourceState.Starting);
    }

    [Fact]
    public async Task StartAsync_OnlyUnknownResource_ThrowsListingResources()
    {
        var options = Options();
        options.Only.Add("nope");
        var builder = DistributedApplication.CreateBuilder(options);
        builder.AddRedis("redis");
        await using var app = builder.Build();

        var ex = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync(Timeout()));

        Assert.Contains("nope", ex.Message);
        Assert.Contains("redis", ex.Message);
    }

    [Fact]
    public async Task StopResourceAsync_ThenStartResourceAsync_RestartsOnSamePort()
    {
        var builder = DistributedApplication.CreateBuilder(Options());
        var redis = builder.AddRedis("redis");
        await using var app = builder.Build();
        await app.StartAsync(Timeout());
        var firstPid = app.GetProcessIds("redis").Single();

        await app.StopResourceAsync("redis");
        await ProcessAssert.AllGoneAsync([firstPid]);
        Assert.False(await RedisPing.PingAsync(redis.Resource.PrimaryEndpoint.Port, null, TimeSpan.FromSeconds(2)));
        await app.StartResourceAsync("redis");

        Assert.True(await RedisPing.PingAsync(redis.Resource.PrimaryEndpoint.Port, null, TimeSpan.FromSeconds(2)));
        Assert.NotEqual(firstPid, app.GetProcessIds("redis").Single());
    }

    [Fact]
    public async Task Running_ChildExitsUnexpectedly_IsReportedAsExited()
    {
        var builder = DistributedApplication.CreateBuilder(Options());
        builder.AddExecutable("brief", "/bin/sh", null, "-c", "sleep 0.5; echo leaving-now; exit 5").WithoutHealthCheck();
        await using var app = builder.Build();
        await app.StartAsync(Timeout());

        var exited = await WaitForAsync(() => app.Events.Any(e => e.Resource == "brief" && e.State == ResourceState.Exited));

        Assert.True(exited);
        Assert.Contains(_output, l => l.Contains("brief exited unexpectedly with code 5", StringComparison.Ordinal));
        Assert.Contains(_output, l => l.Contains("leaving-now", StringComparison.Ordinal));
    }

    private DistributedApplicationOptions Options() => new() { Output = _output.Enqueue, RepositoryRoot = Path.GetTempPath() };

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    private static async Task<bool> WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return condition();
    }
}
