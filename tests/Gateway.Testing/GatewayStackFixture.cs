using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.AppHost;
using Gateway.AppHost.Hosting;
using Xunit;

namespace Gateway.Testing;

/// <summary>
/// The whole system — redis, rabbitmq, simulator, auth, quota, routing, metering, ingress — started from the same
/// definition the AppHost runs (<see cref="GatewayStack.Define"/>), with every port free and a fresh admin token.
/// Always torn down, leaving no process behind, even when startup fails halfway.
/// </summary>
/// <remarks>
/// Services run from their build output (<c>services/X/bin/&lt;configuration&gt;/net10.0/X.dll</c>) in the tests'
/// configuration; a missing output is built first. A test project makes sure the outputs are fresh by referencing
/// the service projects with <c>ReferenceOutputAssembly="false"</c> (see README.md).
/// </remarks>
public class GatewayStackFixture : IAsyncLifetime
{
    private const int RetainedOutputLines = 5000;
    private readonly ConcurrentQueue<string> _output = new();
    private DistributedApplication? _app;
    private GatewayStackResources? _stack;
    private GatewayAdminClient? _admin;
    private int _keyCounter;

    public DistributedApplication App => _app ?? throw NotStarted();

    public GatewayStackResources Stack => _stack ?? throw NotStarted();

    public GatewayStackOptions StackOptions { get; private set; } = GatewayStackOptions.ForTests();

    /// <summary>The Ingress public listener root, e.g. <c>http://127.0.0.1:23456/</c>.</summary>
    public Uri PublicBaseUrl => Stack.PublicBaseAddress;

    /// <summary>The OpenAI-compatible base URL, <c>{PublicBaseUrl}v1</c> (what OpenAI SDKs take as their endpoint).</summary>
    public Uri OpenAiBaseUrl => new(PublicBaseUrl, "v1");

    /// <summary>The Ingress admin listener root.</summary>
    public Uri AdminBaseUrl => Stack.AdminBaseAddress;

    public string AdminToken => StackOptions.AdminToken;

    public GatewayAdminClient Admin => _admin ?? throw NotStarted();

    /// <summary>The most recent output lines of every resource, prefixed <c>[name]</c> (for failure messages).</summary>
    public IReadOnlyList<string> RecentOutput => [.. _output];

    public virtual async Task InitializeAsync()
    {
        var options = GatewayTestEnvironment.CreateOptions(Capture);
        Configure(options);
        var builder = DistributedApplication.CreateBuilder(options);
        StackOptions = CreateStackOptions();
        _stack = GatewayStack.Define(builder, StackOptions);
        ConfigureStack(_stack);
        ConfigureStack(builder, _stack);
        _app = builder.Build();

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await _app.StartAsync(timeout.Token).ConfigureAwait(false); // stops whatever started when it fails
        _admin = new GatewayAdminClient(AdminBaseUrl, AdminToken);
    }

    /// <summary>Creates a key through the admin API; <paramref name="rpmLimit"/> null keeps the Quota default.</summary>
    public Task<CreatedApiKey> CreateKeyAsync(int? rpmLimit = null, CancellationToken cancellationToken = default) =>
        Admin.CreateKeyAsync("tests", $"key-{Interlocked.Increment(ref _keyCounter)}", rpmLimit, cancellationToken);

    /// <summary>Reads a key's usage through the admin API.</summary>
    public Task<JsonElement> GetUsageAsync(string keyId, CancellationToken cancellationToken = default) =>
        Admin.GetUsageAsync(keyId, cancellationToken);

    public virtual async Task DisposeAsync()
    {
        _admin?.Dispose();
        _admin = null;
        if (_app is { } app)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Override to change how the application runs (timeouts, build mode, configuration).</summary>
    protected virtual void Configure(DistributedApplicationOptions options)
    {
    }

    /// <summary>Override for other secrets or fixed ports.</summary>
    protected virtual GatewayStackOptions CreateStackOptions() => GatewayStackOptions.ForTests();

    /// <summary>Override to add environment to services, e.g. <c>stack.Quota.WithEnvironment("Quota__DefaultRpm", "5")</c>.</summary>
    protected virtual void ConfigureStack(GatewayStackResources stack)
    {
    }

    /// <summary>Override to add resources beside the stack, e.g. a second replica of a service.</summary>
    protected virtual void ConfigureStack(DistributedApplicationBuilder builder, GatewayStackResources stack)
    {
    }

    private void Capture(string line)
    {
        _output.Enqueue(line);
        while (_output.Count > RetainedOutputLines && _output.TryDequeue(out _))
        {
        }
    }

    private static InvalidOperationException NotStarted() => new("The gateway stack fixture is not initialized.");
}
