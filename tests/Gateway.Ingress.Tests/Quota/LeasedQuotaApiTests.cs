using System.Globalization;
using Gateway.Ingress.Dependencies.Grpc;
using Gateway.Ingress.Hosting;
using Gateway.Ingress.Tests.Api;
using Gateway.Ingress.Tests.Fakes;
using Gateway.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Gateway.Ingress.Tests.Quota;

/// <summary>
/// The public API with quota from leases: the real Ingress pipeline, the leasing gate over the real Quota service and
/// redis-server; Auth and Routing are the in-memory fakes (their keys carry the rpm limits).
/// </summary>
public sealed class LeasedQuotaApiTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private sealed class Stack(WebApplication app, FakeOpenAiUpstream upstream, HttpClient client) : IAsyncDisposable
    {
        public HttpClient Public { get; } = client;

        public async ValueTask DisposeAsync()
        {
            Public.Dispose();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await app.StopAsync(stop.Token);
            await app.DisposeAsync();
            await upstream.DisposeAsync();
        }
    }

    private static async Task<Stack> StartAsync(QuotaServer quota)
    {
        var upstream = await FakeOpenAiUpstream.StartAsync();
        var fakes = new FakeDependencies(upstream.BaseUrl, "http://127.0.0.1:1/v1", FakeOpenAiUpstream.ProviderKey);
        var address = quota.Address.ToString();
        var builder = IngressApp.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Public:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Admin:Url"] = "http://127.0.0.1:0",
            ["Ingress:AdminToken"] = IngressFixture.AdminToken,
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
            ["Services:Auth"] = address,
            ["Services:Quota"] = address,
            ["Services:Routing"] = address,
            ["Services:Metering"] = address,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddIngressDependencies(fakes, fakes, fakes, fakes, fakes);
        builder.Services.AddSingleton<GrpcDependencyClients>();
        builder.Services.AddQuotaLeases<GrpcQuotaLeases>();
        builder.Services.AddMassTransitTestHarness(TextWriter.Null);
        // Lease sizing and expiry follow this clock, which stands still: no outcome depends on the machine's speed.
        builder.Services.RemoveAll<TimeProvider>().AddSingleton<TimeProvider>(new ManualTime());
        var app = IngressApp.Build(builder);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            await upstream.DisposeAsync();
            throw;
        }

        var port = app.Services.GetRequiredService<IngressListeners>().PublicPort;
        return new Stack(app, upstream, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) });
    }

    [Fact]
    public async Task Post_LimitedKey_HeadersCountDownExactlyThen429WithRetryAfter()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        await using var stack = await StartAsync(quota);

        for (var i = 0; i < 5; i++)
        {
            using var ok = await stack.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), FakeDependencies.RateLimitedKey));
            Assert.Equal(200, (int)ok.StatusCode);
            Assert.Equal("5", ok.Headers.GetValues("x-ratelimit-limit-requests").Single());
            Assert.Equal((4 - i).ToString(CultureInfo.InvariantCulture), ok.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        }

        using var refused = await stack.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), FakeDependencies.RateLimitedKey));
        await Http.AssertEnvelopeAsync(refused, 429, "rate_limit_exceeded");
        Assert.InRange(int.Parse(refused.Headers.GetValues("retry-after").Single(), CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal("0", refused.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.Equal(5, await quota.LogCountAsync("key-ratelimited"));
    }

    [Fact]
    public async Task Post_QuotaDown_AdmittedFromALiveLeaseElse503NamingQuota()
    {
        await using var quota = await QuotaServer.StartAsync(redis.ConnectionString);
        await using var stack = await StartAsync(quota);
        // Two quick requests: a single slot, then a lease ahead (the default 60 rpm allows 10 % of it: 6).
        for (var i = 0; i < 2; i++)
        {
            using var ok = await stack.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model)));
            Assert.Equal(200, (int)ok.StatusCode);
        }

        await quota.StopAsync();

        using var leased = await stack.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model)));
        using var unleased = await stack.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.AllowedModel), FakeDependencies.LimitedKey));

        Assert.Equal(200, (int)leased.StatusCode);
        var error = await Http.AssertEnvelopeAsync(unleased, 503, "service_unavailable");
        Assert.Contains("quota", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
