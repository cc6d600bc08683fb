using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gateway.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Ingress.Tests.Quota;

/// <summary>
/// The real Quota service, built as its Program.cs builds it, on a Kestrel h2c listener at 127.0.0.1 and a free port,
/// over a real redis-server. Also reads the key's sliding-window log straight from Redis.
/// </summary>
internal sealed class QuotaServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RedisConnection _redis;
    private bool _stopped;
    private Socket? _reserved;

    private QuotaServer(WebApplication app, Uri address, RedisConnection redis)
    {
        _app = app;
        Address = address;
        _redis = redis;
    }

    public Uri Address { get; }

    public static async Task<QuotaServer> StartAsync(string redisConnectionString, int defaultRpm = 60)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "Gateway.Quota",
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["ConnectionStrings:Redis"] = redisConnectionString,
            ["Quota:DefaultRpm"] = defaultRpm.ToString(CultureInfo.InvariantCulture),
        });
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        Gateway.Quota.Extensions.AddApplicationServices(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        Gateway.Quota.Extensions.MapApplicationEndpoints(app);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        RedisConnection? redis = null;
        try
        {
            await app.StartAsync(timeout.Token);
            redis = await RedisConnection.ConnectAsync(RedisOptions.Parse(redisConnectionString), timeout.Token);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new QuotaServer(app, new Uri(address), redis);
    }

    /// <summary>How many slots the key's log holds now (admissions and leased slots in the window).</summary>
    public async Task<long> LogCountAsync(string keyId) =>
        (await _redis.ExecuteAsync("ZCARD", "quota:rpm:" + keyId)).AsInt64();

    /// <summary>The largest score in the key's log minus Redis's clock now, in ms (&gt; 0: a slot scored ahead).</summary>
    public async Task<long> NewestAheadOfNowMsAsync(string keyId)
    {
        var newest = (await _redis.ExecuteAsync("ZRANGE", "quota:rpm:" + keyId, -1, -1, "WITHSCORES")).Items;
        var time = (await _redis.ExecuteAsync("TIME")).Items;
        var now = long.Parse(time[0].AsString()!, CultureInfo.InvariantCulture) * 1000
            + long.Parse(time[1].AsString()!, CultureInfo.InvariantCulture) / 1000;
        return long.Parse(newest[1].AsString()!, CultureInfo.InvariantCulture) - now;
    }

    /// <summary>
    /// Stops the service; its port then refuses connections and stays reserved (bound, not listening), so no server
    /// another test starts meanwhile can take it and answer in Quota's place. Redis stays reachable for inspection.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }

        _reserved = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _reserved.Bind(new IPEndPoint(IPAddress.Loopback, Address.Port));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _reserved?.Dispose();
            await _redis.DisposeAsync();
        }
    }
}
