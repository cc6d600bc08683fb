using System.Collections.Concurrent;
using System.Diagnostics;
using Gateway.Routing.V1;
using Gateway.Services.Tests.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Services.Tests.ServiceDefaults;

/// <summary>One trace across hops: the server activity ASP.NET Core starts continues the caller's traceparent.</summary>
public sealed class TraceContextTests
{
    [Fact]
    public async Task AddServiceDefaults_InboundTraceparent_BecomesParentOfSampledServerActivity()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();
        using var recorder = new ServerActivityRecorder();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:0" });
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        app.MapGet("/ping", () => "pong");
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/ping");
            request.Headers.Add("traceparent", $"00-{traceId}-{parentSpanId}-01");

            using var response = await http.SendAsync(request);

            response.EnsureSuccessStatusCode();
            var server = await recorder.WaitForAsync(a => a.TraceId == traceId);
            Assert.Equal(parentSpanId, server.ParentSpanId);
            Assert.True(server.Recorded, "The tracer provider should sample a server activity whose parent is sampled.");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task GrpcCall_InsideActivity_ServerActivityJoinsCallersTrace()
    {
        using var recorder = new ServerActivityRecorder();
        using var source = new ActivitySource("Gateway.Tests.Caller");
        using var callerListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(callerListener);
        await using var routing = await RoutingHost.StartAsync(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "catalog.json")));

        using (var caller = source.StartActivity("ingress request"))
        {
            Assert.NotNull(caller);
            await routing.Channel.UnaryAsync(RoutingHost.Resolve, new ResolveRequest { Model = "sim-gpt" });
            var server = await recorder.WaitForAsync(a => a.TraceId == caller.TraceId);
            Assert.Equal(caller.TraceId, server.TraceId);
            Assert.NotEqual(default, server.ParentSpanId);
        }
    }

    /// <summary>Records stopped ASP.NET Core server activities without sampling them itself.</summary>
    private sealed class ServerActivityRecorder : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public ServerActivityRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == "Microsoft.AspNetCore",
                // Propagation only: whether the activity is recorded is the tracer provider's decision.
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public async Task<Activity> WaitForAsync(Func<Activity, bool> match)
        {
            Activity? found = null;
            await Hosting.Eventually.GetAsync(
                () => Task.FromResult(found = _stopped.FirstOrDefault(match)),
                a => a is not null,
                what: "the server activity");
            return found!;
        }

        public void Dispose() => _listener.Dispose();
    }
}
