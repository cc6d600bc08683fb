using System.Net;
using Gateway.Grpc.Tests.Infrastructure;
using Interop.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Grpc.Tests;

/// <summary>The in-repo gRPC server (Kestrel, h2c on 127.0.0.1, a free port) serving EchoService and Health.</summary>
public sealed class DotnetServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public ServerProbe Probe { get; } = new();

    public InMemoryLoggerProvider Logs { get; } = new();

    public string Address { get; private set; } = "";

    /// <summary>"127.0.0.1:PORT", as grpc-js takes it.</summary>
    public string HostPort { get; private set; } = "";

    public GrpcHealthRegistry Health => _app!.Services.GetRequiredService<GrpcHealthRegistry>();

    public async Task InitializeAsync()
    {
        ActivityRecorder.EnsureStarted();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcServer();
        builder.Services.AddSingleton(Probe);
        builder.Services.AddScoped<TestEchoService>();

        _app = builder.Build();
        _app.MapGrpcService<TestEchoService>(EchoReflection.Descriptor.Services[0]);
        _app.MapGrpcHealthService();
        await _app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var port = new Uri(address).Port;
        Address = $"http://127.0.0.1:{port}";
        HostPort = $"127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _app.StopAsync(cts.Token);
            await _app.DisposeAsync();
        }
    }
}
