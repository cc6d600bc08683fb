using System.Net;
using Gateway.Grpc.Tests.Infrastructure;
using Google.Protobuf;
using Interop.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Grpc.Tests.Server;

/// <summary>GrpcServerOptions: send and receive limits, detailed errors, validation at start.</summary>
public sealed class ServerOptionsTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly Method<EchoRequest, EchoResponse> Echo = new(EchoReflection.Descriptor.Services[0], "Echo");
    private static readonly Method<CountRequest, CountResponse> Count = new(EchoReflection.Descriptor.Services[0], "Count");
    private WebApplication? _app;
    private GrpcChannel? _channel;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcServer(o =>
        {
            o.MaxSendMessageSize = 1024;
            o.MaxReceiveMessageSize = 2048;
            o.EnableDetailedErrors = true;
        });
        builder.Services.AddSingleton(new ServerProbe());
        builder.Services.AddScoped<TestEchoService>();
        _app = builder.Build();
        _app.MapGrpcService<TestEchoService>(EchoReflection.Descriptor.Services[0]);
        await _app.StartAsync().WaitAsync(Bound);
        var port = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Echo_ResponseOverSendLimit_IsResourceExhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel!.UnaryAsync(
            Echo, new EchoRequest { Message = "big", ResponsePadding = 4096 }).WaitAsync(Bound));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Echo_RequestOverConfiguredReceiveLimit_IsResourceExhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel!.UnaryAsync(
            Echo, new EchoRequest { Payload = ByteString.CopyFrom(new byte[4096]) }).WaitAsync(Bound));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Echo_UnexpectedExceptionWithDetailedErrors_SendsItsMessage()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _channel!.UnaryAsync(
            Echo, new EchoRequest { Message = "detailed", ThrowUnexpected = true }).WaitAsync(Bound));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Contains("InvalidOperationException: secret internal detail detailed", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_WithinLimits_Streams()
    {
        var count = 0;
        await foreach (var _ in _channel!.ServerStreamingAsync(Count, new CountRequest { Count = 3 }))
        {
            count++;
        }

        Assert.Equal(3, count);
    }

    [Fact]
    public void AddGrpcServer_InvalidOptions_FailValidation()
    {
        var services = new ServiceCollection().AddGrpcServer(o => o.MaxReceiveMessageSize = 0).BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<GrpcServerOptions>>().Value);
    }
}
