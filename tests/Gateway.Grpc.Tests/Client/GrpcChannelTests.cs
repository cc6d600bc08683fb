using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Interop.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Gateway.Grpc.Tests.Client;

/// <summary>
/// Client failure mapping against a plain HTTP/2 server that misbehaves on purpose (wrong statuses, wrong
/// content types, aborted streams), dead ports, and the health service of a server without EchoService.
/// </summary>
public sealed class GrpcChannelTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly Method<EchoRequest, EchoResponse> Echo = new(EchoReflection.Descriptor.Services[0], "Echo");
    private static readonly Method<CountRequest, CountResponse> Count = new(EchoReflection.Descriptor.Services[0], "Count");
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = new(HealthReflection.Descriptor.Services[0], "Check");
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch = new(HealthReflection.Descriptor.Services[0], "Watch");
    private WebApplication? _app;
    private string _address = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcServer();
        _app = builder.Build();
        _app.MapPost("/status/{code:int}/{**rest}", (int code) => Results.StatusCode(code));
        _app.MapPost("/text/{**rest}", () => Results.Text("not grpc", "text/plain"));
        _app.MapPost("/abort/{**rest}", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/grpc";
            await context.Response.BodyWriter.FlushAsync();
            context.Abort();
        });
        _app.MapGrpcHealthService();
        await _app.StartAsync().WaitAsync(Bound);
        var port = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        _address = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task UnaryAsync_NothingListening_ThrowsUnavailable()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{FreePort()}");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Echo, new EchoRequest()).WaitAsync(Bound));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task ServerStreamingAsync_NothingListening_ThrowsUnavailable()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{FreePort()}");

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in channel.ServerStreamingAsync(Count, new CountRequest { Count = 1 }))
            {
            }
        }).WaitAsync(Bound);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_DeadlineAlreadyPassed_FailsWithoutSending()
    {
        // Nothing listens there: had the call been sent, it would be UNAVAILABLE.
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{FreePort()}");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            Echo, new EchoRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1))).WaitAsync(Bound));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_AlreadyCancelledToken_ThrowsCancelled()
    {
        using var channel = GrpcChannel.ForAddress(_address + "/status/200");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            Echo, new EchoRequest(), new CallOptions(CancellationToken: new CancellationToken(true))).WaitAsync(Bound));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    [InlineData(302, StatusCode.Unknown)]
    public async Task UnaryAsync_NonOkHttpStatus_MapsAsTheSpecSays(int httpStatus, StatusCode expected)
    {
        // The address's path is a prefix of every method path: /status/{code}/interop.v1.EchoService/Echo.
        using var channel = GrpcChannel.ForAddress($"{_address}/status/{httpStatus}/");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Echo, new EchoRequest()).WaitAsync(Bound));

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryAsync_OkWithNonGrpcContentType_ThrowsInternal()
    {
        using var channel = GrpcChannel.ForAddress(_address + "/text");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Echo, new EchoRequest()).WaitAsync(Bound));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_ServerResetsTheStream_ThrowsPerTheResetCode()
    {
        using var channel = GrpcChannel.ForAddress(_address + "/abort");

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Echo, new EchoRequest()).WaitAsync(Bound));

        // Kestrel resets an aborted HTTP/2 stream with INTERNAL_ERROR, which the spec maps to INTERNAL.
        Assert.Equal(StatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_ServiceNotMapped_ThrowsUnimplemented()
    {
        using var channel = GrpcChannel.ForAddress(_address);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Echo, new EchoRequest()).WaitAsync(Bound));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_StreamingMethod_IsRefusedLocally()
    {
        using var channel = GrpcChannel.ForAddress(_address);

        await Assert.ThrowsAsync<InvalidOperationException>(() => channel.UnaryAsync(Watch, new HealthCheckRequest()));
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:1")]
    [InlineData("/relative")]
    public void ForAddress_NotHttp_Throws(string address)
    {
        Assert.ThrowsAny<Exception>(() => GrpcChannel.ForAddress(address));
    }

    [Fact]
    public async Task HealthCheck_OverOurClient_ReportsRegistryStatus()
    {
        using var channel = GrpcChannel.ForAddress(_address);
        var registry = _app!.Services.GetRequiredService<GrpcHealthRegistry>();
        registry.SetStatus("interop.v1.EchoService", ServingStatus.NotServing);

        var overall = await channel.UnaryAsync(Check, new HealthCheckRequest()).WaitAsync(Bound);
        var echo = await channel.UnaryAsync(Check, new HealthCheckRequest { Service = "interop.v1.EchoService" }).WaitAsync(Bound);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(Check, new HealthCheckRequest { Service = "x.Y" }).WaitAsync(Bound));

        Assert.Equal(ServingStatus.Serving, overall.Status);
        Assert.Equal(ServingStatus.NotServing, echo.Status);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task HealthWatch_OverOurClient_StreamsChangesAndEndsOnShutdown()
    {
        using var channel = GrpcChannel.ForAddress(_address);
        var registry = _app!.Services.GetRequiredService<GrpcHealthRegistry>();
        var seen = new List<ServingStatus>();

        await using var updates = channel.ServerStreamingAsync(Watch, new HealthCheckRequest { Service = "watched" }).GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync().AsTask().WaitAsync(Bound));
        seen.Add(updates.Current.Status);
        registry.SetStatus("watched", ServingStatus.Serving);
        Assert.True(await updates.MoveNextAsync().AsTask().WaitAsync(Bound));
        seen.Add(updates.Current.Status);

        // Stopping the application ends open watches (after a last NOT_SERVING) instead of holding shutdown up.
        var stopping = _app.StopAsync();
        Assert.True(await updates.MoveNextAsync().AsTask().WaitAsync(Bound));
        seen.Add(updates.Current.Status);
        Assert.False(await updates.MoveNextAsync().AsTask().WaitAsync(Bound));
        await stopping.WaitAsync(Bound);

        Assert.Equal([ServingStatus.ServiceUnknown, ServingStatus.Serving, ServingStatus.NotServing], seen);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
