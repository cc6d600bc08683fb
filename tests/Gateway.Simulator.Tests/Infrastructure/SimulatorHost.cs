using Microsoft.AspNetCore.Builder;

namespace Gateway.Simulator.Tests.Infrastructure;

/// <summary>
/// The simulator hosted in-process on a real Kestrel port on 127.0.0.1 (port 0: the OS picks a free one).
/// Subclasses pass configuration as command-line arguments.
/// </summary>
public class SimulatorHost : IAsyncLifetime
{
    private static readonly TimeSpan StartStopTimeout = TimeSpan.FromSeconds(30);
    private readonly string[] _args;
    private WebApplication? _app;
    private HttpClient? _client;

    public SimulatorHost()
        : this([])
    {
    }

    protected SimulatorHost(params string[] args) => _args = args;

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("Not started.");

    /// <summary>A client with a bounded timeout, so a broken test fails instead of hanging.</summary>
    public HttpClient Client => _client ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _app = SimulatorApp.Create(
        [
            "--Kestrel:Endpoints:Http:Url=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            .. _args,
        ]);
        using var timeout = new CancellationTokenSource(StartStopTimeout);
        await _app.StartAsync(timeout.Token);
        BaseAddress = new Uri(_app.Urls.Single());
        _client = CreateClient(TimeSpan.FromSeconds(30));
    }

    public HttpClient CreateClient(TimeSpan timeout) => new() { BaseAddress = BaseAddress, Timeout = timeout };

    /// <summary>Stops the simulator (bounded); safe to call more than once.</summary>
    public async Task StopAsync()
    {
        if (_app is null)
        {
            return;
        }

        var app = _app;
        _app = null;
        using var timeout = new CancellationTokenSource(StartStopTimeout);
        try
        {
            await app.StopAsync(timeout.Token);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        await StopAsync();
    }
}

/// <summary>A simulator that accepts only the key <see cref="Key"/>.</summary>
public sealed class RequiredKeySimulatorHost() : SimulatorHost($"--Simulator:RequiredApiKey={Key}")
{
    public const string Key = "sk-sim-required";
}

/// <summary>A simulator whose defaults are changed by configuration and that accepts only its listed models.</summary>
public sealed class ConfiguredSimulatorHost() : SimulatorHost(
    "--Simulator:OutputTokens=7",
    "--Simulator:TimeToFirstTokenMs=11",
    "--Simulator:InterTokenDelayMs=3",
    "--Simulator:AcceptAnyModel=false",
    "--Simulator:Models:0=sim-gpt",
    "--Simulator:Models:1=sim-claude");
