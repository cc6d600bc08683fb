using System.Net;
using System.Net.Sockets;
using Gateway.Ingress.Hosting;
using Gateway.Ingress.Usage;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Ingress.Tests.Fakes;

/// <summary>
/// The real Ingress app on Kestrel (public and admin listeners on 127.0.0.1:0) with in-memory dependencies,
/// MassTransit's in-memory test harness instead of RabbitMQ, and a fake OpenAI upstream on its own Kestrel port.
/// </summary>
public class IngressFixture : IAsyncLifetime
{
    public const string AdminToken = "admin-token-0123456789abcdef";
    public const string BasePath = "/llm-api";

    private WebApplication? _app;
    private readonly string _spillDirectory = Path.Combine(Path.GetTempPath(), "ingress-tests-spill-" + Guid.NewGuid().ToString("N"));

    internal FakeOpenAiUpstream Upstream { get; private set; } = null!;
    internal FakeDependencies Dependencies { get; private set; } = null!;
    internal UsageRecorder Usage { get; } = new();
    internal CapturingLoggerProvider Logs { get; } = new();
    internal ITestHarness Harness { get; private set; } = null!;
    internal WebApplication App => _app!;

    public HttpClient Public { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public int PublicPort { get; private set; }
    public int AdminPort { get; private set; }

    protected virtual int StreamIdleTimeoutSeconds => 30;

    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public virtual async Task InitializeAsync()
    {
        Upstream = await FakeOpenAiUpstream.StartAsync();
        Dependencies = new FakeDependencies(Upstream.BaseUrl, $"http://127.0.0.1:{ClosedPort()}/v1", FakeOpenAiUpstream.ProviderKey);

        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Public:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Admin:Url"] = "http://127.0.0.1:0",
            ["Ingress:AdminToken"] = AdminToken,
            ["Ingress:BasePath"] = BasePath,
            ["Ingress:StreamIdleTimeoutSeconds"] = StreamIdleTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingress:DependencyTimeoutMs"] = "500",
            ["Ingress:PreUpstreamBudgetMs"] = "2000",
            ["Ingress:MaxRequestBodyBytes"] = (64 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Never contacted: the test harness replaces the RabbitMQ bus with the in-memory one.
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
            // A private usage journal: never replays what another test's Ingress spilled.
            ["Ingress:UsageSpillDirectory"] = _spillDirectory,
        };
        Configure(settings);
        var builder = IngressApp.CreateBuilder([], settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddIngressDependencies(Dependencies, Dependencies, Dependencies, Dependencies, Dependencies);
        builder.Services.AddMassTransitTestHarness(TextWriter.Null);
        builder.Services.Configure<TestHarnessOptions>(o => o.TestTimeout = TimeSpan.FromMinutes(10));

        _app = IngressApp.Build(builder);
        await _app.StartAsync();

        Harness = _app.Services.GetRequiredService<ITestHarness>();
        Harness.Bus.ConnectPublishObserver(Usage);

        var listeners = _app.Services.GetRequiredService<IngressListeners>();
        PublicPort = listeners.PublicPort;
        AdminPort = listeners.AdminPort;
        Public = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{PublicPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{AdminPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Waits until every recorded usage event has been handed to the bus (the queue and publisher are idle).</summary>
    internal async Task WaitForUsageIdleAsync()
    {
        var queue = App.Services.GetRequiredService<UsageQueue>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (queue.Outstanding > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The usage queue did not drain.");
            }

            await Task.Delay(20);
        }
    }

    public virtual async Task DisposeAsync()
    {
        Public?.Dispose();
        Admin?.Dispose();
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
        }

        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }

        if (Directory.Exists(_spillDirectory))
        {
            Directory.Delete(_spillDirectory, recursive: true);
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>The same app with a 1-second idle timeout, for stall tests.</summary>
public sealed class ShortIdleIngressFixture : IngressFixture
{
    protected override int StreamIdleTimeoutSeconds => 1;
}

/// <summary>The same app with an HTTP/2-only (h2c, prior knowledge) public listener.</summary>
public sealed class Http2IngressFixture : IngressFixture
{
    protected override void Configure(Dictionary<string, string?> settings) =>
        settings["Kestrel:Endpoints:Public:Protocols"] = "Http2";
}

[CollectionDefinition(Name)]
public sealed class IngressCollection : ICollectionFixture<IngressFixture>
{
    public const string Name = "ingress app";
}
