using System.Net;
using Interop.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Grpc.Tests.Server;

/// <summary>Map-time binding of service classes to descriptors: every mismatch fails at startup, naming the method.</summary>
public sealed class ServiceBindingTests
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor EchoDescriptor = EchoReflection.Descriptor.Services[0];

    [Fact]
    public void MapGrpcService_MissingMethod_ThrowsNamingIt()
    {
        var error = MapAndCatch<OnlyEchoService>(EchoDescriptor);

        Assert.Contains("/interop.v1.EchoService/Count", error.Message, StringComparison.Ordinal);
        Assert.Contains("no public method", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_WrongRequestType_ThrowsNamingTheMethodAndExpectedSignature()
    {
        var error = MapAndCatch<WrongRequestService>(EchoDescriptor);

        Assert.Contains("/interop.v1.EchoService/Echo", error.Message, StringComparison.Ordinal);
        Assert.Contains("Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_WrongResponseType_Throws()
    {
        var error = MapAndCatch<WrongResponseService>(EchoDescriptor);

        Assert.Contains("/interop.v1.EchoService/Echo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_StreamingMethodWithUnaryShape_Throws()
    {
        var error = MapAndCatch<UnaryShapedCountService>(EchoDescriptor);

        Assert.Contains("/interop.v1.EchoService/Count", error.Message, StringComparison.Ordinal);
        Assert.Contains("IServerStreamWriter<CountResponse>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_ClientStreamingDescriptor_IsRejected()
    {
        var error = MapAndCatch<OnlyEchoService>(UnsupportedReflection.Descriptor.Services[0]);

        Assert.Contains("/interop.v1.UploadService/Upload", error.Message, StringComparison.Ordinal);
        Assert.Contains("client streaming", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_BidirectionalDescriptor_IsRejected()
    {
        var error = MapAndCatch<OnlyEchoService>(UnsupportedReflection.Descriptor.Services[1]);

        Assert.Contains("bidirectional streaming", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_WithoutAddGrpcServer_Throws()
    {
        var app = WebApplication.CreateSlimBuilder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<AsyncNamedService>(EchoDescriptor));

        Assert.Contains("AddGrpcServer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapGrpcService_AsyncSuffixedUnregisteredService_IsCreatedPerCallAndDisposed()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcServer();
        await using var app = builder.Build();
        app.MapGrpcService<AsyncNamedService>(EchoDescriptor);
        await app.StartAsync();
        try
        {
            var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var echo = new Method<EchoRequest, EchoResponse>(EchoDescriptor, "Echo");
            var before = AsyncNamedService.Disposed;

            var first = await channel.UnaryAsync(echo, new EchoRequest { Message = "a" }).WaitAsync(TimeSpan.FromSeconds(20));
            var second = await channel.UnaryAsync(echo, new EchoRequest { Message = "b" }).WaitAsync(TimeSpan.FromSeconds(20));

            Assert.NotEqual(first.Message, second.Message); // each call got a new instance (the message carries its id)
            Assert.True(AsyncNamedService.Disposed >= before + 2);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static InvalidOperationException MapAndCatch<TService>(Google.Protobuf.Reflection.ServiceDescriptor descriptor)
        where TService : class
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddGrpcServer();
        var app = builder.Build();
        return Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<TService>(descriptor));
    }

    internal sealed class OnlyEchoService
    {
        public Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) => Task.FromResult(new EchoResponse());
    }

    internal sealed class WrongRequestService
    {
        public Task<EchoResponse> Echo(CountRequest request, ServerCallContext context) => Task.FromResult(new EchoResponse());

        public Task Count(CountRequest request, IServerStreamWriter<CountResponse> responseStream, ServerCallContext context) => Task.CompletedTask;
    }

    internal sealed class WrongResponseService
    {
        public Task<CountResponse> Echo(EchoRequest request, ServerCallContext context) => Task.FromResult(new CountResponse());

        public Task Count(CountRequest request, IServerStreamWriter<CountResponse> responseStream, ServerCallContext context) => Task.CompletedTask;
    }

    internal sealed class UnaryShapedCountService
    {
        public Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context) => Task.FromResult(new EchoResponse());

        public Task<CountResponse> Count(CountRequest request, ServerCallContext context) => Task.FromResult(new CountResponse());
    }

    internal sealed class AsyncNamedService : IDisposable
    {
        private static int _disposed;
        private readonly Guid _id = Guid.NewGuid();

        public static int Disposed => Volatile.Read(ref _disposed);

        public Task<EchoResponse> EchoAsync(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(new EchoResponse { Message = request.Message + _id });

        public Task CountAsync(CountRequest request, IServerStreamWriter<CountResponse> responseStream, ServerCallContext context) =>
            Task.CompletedTask;

        public void Dispose() => Interlocked.Increment(ref _disposed);
    }
}
