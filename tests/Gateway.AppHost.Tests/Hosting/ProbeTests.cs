using System.Net;
using Gateway.AppHost.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.AppHost.Tests.Hosting;

/// <summary>The health probes against a real Kestrel HTTP/2 (h2c) and HTTP/1.1 server.</summary>
public sealed class ProbeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task GrpcCheckAsync_ServerServing_SendsGrpcRequestAndReadsServing()
    {
        string? contentType = null, te = null;
        byte[]? body = null;
        await using var server = await StartAsync(HttpProtocols.Http2, async context =>
        {
            contentType = context.Request.ContentType;
            te = context.Request.Headers.TE;
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            body = buffer.ToArray();
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(GrpcHealthProbe.Frame([0x08, 0x01]));
            context.Response.AppendTrailer("grpc-status", "0");
        });

        var result = await GrpcHealthProbe.CheckAsync(server.Address, "", s_timeout);

        Assert.True(result.IsServing);
        Assert.Equal(new GrpcHealthResult(0, 1), result);
        Assert.Equal("application/grpc", contentType);
        Assert.Equal("trailers", te);
        Assert.Equal(new byte[5], body); // uncompressed, zero-length HealthCheckRequest
    }

    [Fact]
    public async Task GrpcCheckAsync_ServerNotServing_ReportsNotServing()
    {
        await using var server = await StartAsync(HttpProtocols.Http2, async context =>
        {
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(GrpcHealthProbe.Frame([0x08, 0x02]));
            context.Response.AppendTrailer("grpc-status", "0");
        });

        var result = await GrpcHealthProbe.CheckAsync(server.Address, "", s_timeout);

        Assert.False(result.IsServing);
        Assert.Equal(2, result.ServingStatus);
    }

    [Fact]
    public async Task GrpcCheckAsync_TrailersOnlyError_ReportsGrpcStatus()
    {
        await using var server = await StartAsync(HttpProtocols.Http2, context =>
        {
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "12";
            return Task.CompletedTask;
        });

        var result = await GrpcHealthProbe.CheckAsync(server.Address, "", s_timeout);

        Assert.False(result.IsServing);
        Assert.Equal(12, result.GrpcStatus);
    }

    [Fact]
    public async Task GrpcCheckAsync_NothingListening_ReportsNoAnswer()
    {
        var port = PortAllocator.GetFreeTcpPort();

        var result = await GrpcHealthProbe.CheckAsync(new Uri($"http://127.0.0.1:{port}"), "", s_timeout);

        Assert.Equal(-1, result.GrpcStatus);
        Assert.False(result.IsServing);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 0 }, 0)] // empty message: proto3 default UNKNOWN
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x08, 0x01 }, 1)]
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x08, 0x03 }, 3)]
    [InlineData(new byte[] { 1, 0, 0, 0, 2, 0x08, 0x01 }, null)] // compressed: not ours to decode
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 0x08 }, null)] // truncated
    public void DecodeServingStatus_Frames_ReadsStatusField(byte[] body, int? expected)
    {
        Assert.Equal(expected, GrpcHealthProbe.DecodeServingStatus(body));
    }

    [Fact]
    public void EncodeRequest_ServiceName_IsFieldOneString()
    {
        Assert.Empty(GrpcHealthProbe.EncodeRequest(""));
        Assert.Equal(new byte[] { 0x0A, 3, (byte)'a', (byte)'b', (byte)'c' }, GrpcHealthProbe.EncodeRequest("abc"));
    }

    [Fact]
    public async Task HttpIsHealthyAsync_StatusCodes_OnlyOkIsHealthy()
    {
        await using var server = await StartAsync(HttpProtocols.Http1, context =>
        {
            context.Response.StatusCode = context.Request.Path == "/health/ready" ? 200 : 503;
            return Task.CompletedTask;
        });

        Assert.True(await HttpHealthProbe.IsHealthyAsync(new Uri(server.Address, "/health/ready"), s_timeout));
        Assert.False(await HttpHealthProbe.IsHealthyAsync(new Uri(server.Address, "/health/other"), s_timeout));
        Assert.False(await HttpHealthProbe.IsHealthyAsync(new Uri($"http://127.0.0.1:{PortAllocator.GetFreeTcpPort()}/"), s_timeout));
    }

    private static async Task<TestServer> StartAsync(HttpProtocols protocols, RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TestServer(app, new Uri(address));
    }

    private sealed record TestServer(WebApplication App, Uri Address) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
