using System.Diagnostics;
using System.Net;
using Gateway.Grpc.Tests.Infrastructure;
using Interop.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Grpc.Tests.Server;

/// <summary>
/// Without an ASP.NET Core hosting activity (here removed on purpose), the layer starts its own Server activity
/// from the incoming traceparent, so the trace still continues through the gRPC hop.
/// </summary>
public sealed class ServerTracingTests : IAsyncLifetime
{
    private WebApplication? _app;
    private string _hostPort = "";

    public async Task InitializeAsync()
    {
        ActivityRecorder.EnsureStarted();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcServer();
        builder.Services.AddSingleton(new ServerProbe());
        builder.Services.AddScoped<TestEchoService>();
        _app = builder.Build();
        _app.Use((context, next) =>
        {
            context.Features.Set<IHttpActivityFeature>(null);
            return next(context);
        });
        _app.MapGrpcService<TestEchoService>(EchoReflection.Descriptor.Services[0]);
        await _app.StartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var port = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        _hostPort = $"127.0.0.1:{port}";
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
    public async Task Echo_NoHostingActivity_OwnServerActivityContinuesTheGrpcJsTrace()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var spanId = ActivitySpanId.CreateRandom().ToHexString();

        var result = await NodeInterop.RunClientAsync(_hostPort, new
        {
            method = "Echo",
            request = new { message = "own-activity" },
            metadata = new Dictionary<string, object> { ["traceparent"] = $"00-{traceId}-{spanId}-01" },
        });

        Assert.True(result.Code == 0, result.Transcript);
        var message = Assert.Single(result.Messages);
        Assert.Equal(traceId, message.GetProperty("trace_id").GetString());
        Assert.Equal(spanId, message.GetProperty("parent_span_id").GetString());
        var activity = await ActivityRecorder.WaitForAsync(
            a => a.TraceId.ToHexString() == traceId && a.Source.Name == GrpcDiagnostics.ActivitySourceName, TimeSpan.FromSeconds(20));
        Assert.Equal(ActivityKind.Server, activity.Kind);
        Assert.Equal(spanId, activity.ParentSpanId.ToHexString());
        Assert.Equal("interop.v1.EchoService/Echo", activity.DisplayName);
        Assert.Equal("Echo", activity.GetTagItem("rpc.method"));
        Assert.Equal(0, activity.GetTagItem("rpc.grpc.status_code"));
    }
}
