using System.Net;
using System.Net.Sockets;
using Gateway.Redis.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Redis.Tests;

public sealed class DependencyInjectionTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task AddRedis_ConnectionStringMissing_HostStartFailsNamingTheVariable()
    {
        using var host = BuildHost(connectionString: null);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Bounded());

        Assert.Contains("ConnectionStrings:Redis", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Redis", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddRedis_ConnectionStringMalformed_HostStartFailsWithoutLeakingThePassword()
    {
        using var host = BuildHost("127.0.0.1:notaport,password=hunter2");

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Bounded());

        Assert.Contains("ConnectionStrings:Redis is invalid", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddRedis_UserWithoutPassword_HostStartFails()
    {
        using var host = BuildHost("127.0.0.1:6379,user=alice");

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().Bounded());

        Assert.Contains("User needs a Password", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddRedis_CustomName_ReadsThatConnectionString()
    {
        using var host = BuildHost(fixture.Server.Endpoint, name: "Cache");
        await host.StartAsync().Bounded();

        var redis = await host.Services.GetRequiredService<IRedisConnectionProvider>().GetConnectionAsync().Bounded();

        Assert.Equal(fixture.Server.Endpoint, redis.Endpoint);
        await host.StopAsync().Bounded();
    }

    [Fact]
    public async Task AddRedis_ServerUp_SharedConnectionWorksAndHealthCheckIsHealthyAndTaggedReady()
    {
        using var host = BuildHost($"{fixture.Server.Endpoint},name=di-test");
        await host.StartAsync().Bounded();
        var provider = host.Services.GetRequiredService<IRedisConnectionProvider>();

        var redis = await provider.GetConnectionAsync().Bounded();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().Bounded();

        Assert.Same(redis, host.Services.GetRequiredService<RedisConnection>());
        Assert.Same(redis, provider.Connection);
        Assert.Equal("di-test", (await redis.ExecuteAsync("CLIENT", "GETNAME").Bounded()).AsString());
        var entry = report.Entries["redis"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Contains("ready", entry.Tags);
        await host.StopAsync().Bounded();
    }

    [Fact]
    public async Task AddRedis_ServerUnreachable_HealthCheckUnhealthyAndGetConnectionFails()
    {
        using var host = BuildHost($"127.0.0.1:{ClosedPort()},connectTimeout=500");
        await host.StartAsync().Bounded();

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().Bounded();
        await Assert.ThrowsAsync<RedisConnectionException>(() => host.Services.GetRequiredService<IRedisConnectionProvider>().GetConnectionAsync().Bounded());

        Assert.Equal(HealthStatus.Unhealthy, report.Entries["redis"].Status);
        await host.StopAsync().Bounded();
    }

    [Fact]
    public async Task AddRedis_ContainerDisposedSynchronously_ClosesTheConnection()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = fixture.Server.Endpoint })
            .Build());
        services.AddLogging();
        services.AddRedis();
        var container = services.BuildServiceProvider();
        var redis = await container.GetRequiredService<IRedisConnectionProvider>().GetConnectionAsync().Bounded();
        Assert.Same(redis, container.GetRequiredService<RedisConnection>());

        container.Dispose();

        Assert.False(redis.IsConnected);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => redis.ExecuteAsync("PING"));
    }

    private static IHost BuildHost(string? connectionString, string name = "Redis")
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (connectionString is not null)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"ConnectionStrings:{name}"] = connectionString });
        }

        builder.Services.AddLogging();
        builder.Services.AddRedis(name);
        return builder.Build();
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
