using Gateway.Ingress.Dependencies;
using Gateway.Ingress.Dependencies.Grpc;
using Gateway.Ingress.Dependencies.Leases;
using Gateway.Ingress.Tests.Fakes;
using Gateway.Quota.V1;
using Gateway.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Ingress.Tests.Quota;

/// <summary>How the production registration (<c>AddGrpcDependencies</c>) wires the leasing gate into the app.</summary>
public sealed class QuotaLeaseHostingTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static WebApplication Build(string quotaAddress, string? leaseMax)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Public:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Admin:Url"] = "http://127.0.0.1:0",
            ["Ingress:AdminToken"] = IngressFixture.AdminToken,
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
            ["Services:Auth"] = quotaAddress,
            ["Services:Quota"] = quotaAddress,
            ["Services:Routing"] = quotaAddress,
            ["Services:Metering"] = quotaAddress,
        };
        if (leaseMax is not null)
        {
            settings["Ingress:QuotaLeaseMax"] = leaseMax;
        }

        var builder = IngressApp.CreateBuilder([], settings);
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcDependencies();
        builder.Services.AddMassTransitTestHarness(TextWriter.Null);
        // Lease sizing follows this clock, which stands still: no outcome depends on the machine's speed.
        builder.Services.RemoveAll<TimeProvider>().AddSingleton<TimeProvider>(new ManualTime());
        return IngressApp.Build(builder);
    }

    [Theory]
    [InlineData(null, typeof(LeasingQuotaGate))]
    [InlineData("20", typeof(LeasingQuotaGate))]
    [InlineData("0", typeof(GrpcQuotaGate))]
    public async Task AddGrpcDependencies_QuotaLeaseMax_ChoosesTheGate(string? leaseMax, Type expected)
    {
        await using var app = Build("http://127.0.0.1:1", leaseMax);

        Assert.IsType(expected, app.Services.GetRequiredService<IQuotaGate>());
        Assert.Contains(app.Services.GetServices<IHostedService>(), s => s is QuotaLeaseKeeper);
    }

    [Fact]
    public async Task StopAsync_IngressShutsDown_ReturnsTheUnusedSlotsOfItsLeases()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        var app = Build(quota.Address.ToString(), "50");
        await using (app)
        {
            await app.StartAsync();
            var gate = app.Services.GetRequiredService<IQuotaGate>();
            var key = "key_" + Guid.NewGuid().ToString("N")[..20];
            // Concurrent requests of one key: after the first single-slot lease the gate leases ahead.
            var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
                gate.AdmitAsync(new AdmitRequest { KeyId = key, RpmLimit = 1000, RequestId = "r" }, CancellationToken.None).AsTask()));
            Assert.All(answers, a => Assert.True(a.Allowed));
            Assert.True(await quota.LogCountAsync(key) > 10);

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await app.StopAsync(timeout.Token);

            Assert.Equal(10, await quota.LogCountAsync(key));
        }
    }
}
