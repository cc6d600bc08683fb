using System.Net;
using Gateway.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Services.Tests.Hosting;

/// <summary>
/// Runs a service in this process exactly as its Program.cs builds it (AddServiceDefaults, the service's
/// AddApplicationServices, MapDefaultEndpoints, MapApplicationEndpoints), on a real Kestrel h2c listener at
/// 127.0.0.1 and a free port, with configuration given in code only (no appsettings, no environment), and
/// talks to it over the real in-repo gRPC client.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private ServiceHost(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { DefaultDeadline = TimeSpan.FromSeconds(30) });
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>"http://127.0.0.1:PORT".</summary>
    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public static async Task<ServiceHost> StartAsync(
        string applicationName,
        IReadOnlyDictionary<string, string?> settings,
        Action<WebApplicationBuilder> addApplicationServices,
        Action<WebApplication> mapApplicationEndpoints,
        Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = applicationName,
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole();
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        addApplicationServices(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        mapApplicationEndpoints(app);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await app.StartAsync(timeout.Token);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new ServiceHost(app, new Uri(address));
    }

    /// <summary>A plain HTTP/2 (h2c, prior knowledge) client for the listener, e.g. for /health/*.</summary>
    public HttpClient CreateHttp2Client() => new(new SocketsHttpHandler { UseProxy = false })
    {
        BaseAddress = Address,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await App.StopAsync(timeout.Token);
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}
