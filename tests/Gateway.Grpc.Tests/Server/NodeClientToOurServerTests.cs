using System.Diagnostics;
using System.Text.Json;
using Gateway.Grpc.Tests.Infrastructure;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Gateway.Grpc.Tests.Server;

/// <summary>A real @grpc/grpc-js client (tests/interop/client.js) against the in-repo server.</summary>
public sealed class NodeClientToOurServerTests(DotnetServerFixture server) : IClassFixture<DotnetServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Echo_Unary_ReturnsTheMessage()
    {
        var result = await RunAsync(new { method = "Echo", request = new { message = "hello", payload = "AAEC/w==" } });

        Assert.Equal(0, result.Code);
        var message = Assert.Single(result.Messages);
        Assert.Equal("hello", message.GetProperty("message").GetString());
        Assert.Equal("AAEC/w==", message.GetProperty("payload").GetString());
    }

    [Fact]
    public async Task Echo_AsciiAndBinaryMetadata_ComeBackInHeadersAndTrailers()
    {
        var result = await RunAsync(new
        {
            method = "Echo",
            request = new { message = "meta" },
            metadata = new Dictionary<string, object> { ["x-ascii"] = "some value", ["x-data-bin"] = "AAoNyP8=", ["x-multi"] = new[] { "a", "b" } },
        });

        Assert.Equal(0, result.Code);
        foreach (var metadata in new[] { result.Headers, result.Trailers })
        {
            Assert.Equal(["some value"], metadata["x-ascii"]);
            Assert.Equal(["AAoNyP8="], metadata["x-data-bin"]);
            Assert.Equal(["a", "b"], metadata["x-multi"].SelectMany(v => v.Split(", ")).ToArray());
        }
    }

    [Fact]
    public async Task Count_ServerStreaming_DeliversEveryMessageThenOk()
    {
        var result = await RunAsync(new { method = "Count", request = new { count = 5, interval_ms = 5 } });

        Assert.Equal(0, result.Code);
        Assert.Equal([0, 1, 2, 3, 4], result.Messages.Select(m => m.GetProperty("index").GetInt32()));
    }

    [Fact]
    public async Task Count_FailsAfterMessages_DeliversThemThenTheStatus()
    {
        var result = await RunAsync(new { method = "Count", request = new { count = 2, fail_code = 9, fail_message = "stopped" } });

        Assert.Equal(2, result.Messages.Count);
        Assert.Equal(9, result.Code);
        Assert.Equal("stopped", result.Details);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Echo_ServerFails_ClientGetsCodeDetailAndTrailers(bool beforeHeaders, bool viaStatus)
    {
        const string detail = "not here: café ✓ 100%";
        var result = await RunAsync(new
        {
            method = "Echo",
            request = new { message = "fail", fail_code = 5, fail_message = detail, fail_before_headers = beforeHeaders, fail_via_status = viaStatus },
            metadata = new Dictionary<string, object> { ["x-reason"] = "missing", ["x-blob-bin"] = "AQID" },
        });

        Assert.Equal(5, result.Code);
        Assert.Equal(detail, result.Details);
        Assert.Empty(result.Messages);
        Assert.Equal(["missing"], result.Trailers["x-reason"]);
        Assert.Equal(["AQID"], result.Trailers["x-blob-bin"]);
    }

    [Fact]
    public async Task Echo_HandlerThrowsUnexpectedly_ClientGetsUnknownWithoutTheExceptionText()
    {
        var tag = "throw-" + Guid.NewGuid().ToString("N");

        var result = await RunAsync(new { method = "Echo", request = new { message = tag, throw_unexpected = true } });

        Assert.Equal(2, result.Code);
        Assert.DoesNotContain("secret", result.Details, StringComparison.Ordinal);
        Assert.Contains(server.Logs.Entries, e => e.Exception?.Message.Contains(tag, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Echo_DeadlinePasses_ClientGetsDeadlineExceededAndHandlerTokenFires()
    {
        var tag = "deadline-" + Guid.NewGuid().ToString("N");

        var result = await RunAsync(new { method = "Echo", request = new { message = tag, sleep_ms = 30_000 }, deadlineMs = 1000 });

        Assert.Equal(4, result.Code);

        // grpc-js times the deadline itself and resets the stream, usually a moment before the server's own
        // timer (started on arrival) fires, so the handler sees either; both cancel its token.
        // ServerDeadlineTests shows the server enforcing the deadline alone.
        var deadline = server.Probe.WaitAsync(tag, "deadline", Bound);
        var cancelled = server.Probe.WaitAsync(tag, "cancelled", Bound);
        await Task.WhenAny(deadline, cancelled);
        Assert.True(deadline.IsCompletedSuccessfully || cancelled.IsCompletedSuccessfully, $"The handler for '{tag}' never saw its token fire.");
    }

    [Fact]
    public async Task Echo_HandlerIgnoresItsToken_ServerStillAnswersDeadlineExceeded()
    {
        var tag = "deaf-" + Guid.NewGuid().ToString("N");
        try
        {
            var result = await RunAsync(new
            {
                method = "Echo",
                request = new { message = tag, sleep_ms = 1, ignore_cancellation = true },
                deadlineMs = 300,
            });

            Assert.Equal(4, result.Code);
            Assert.False(server.Probe.Happened(tag, "handler-finished"));
        }
        finally
        {
            server.Probe.Release(tag);
        }
    }

    [Fact]
    public async Task Echo_ClientCancels_HandlerTokenFires()
    {
        var tag = "cancel-" + Guid.NewGuid().ToString("N");
        await using var client = await NodeInterop.StartClientAsync(
            server.HostPort, new { method = "Echo", request = new { message = tag, sleep_ms = 30_000, headers_first = true }, cancelAfterHeaders = true });

        await client.WaitForExitAsync(Bound);
        await server.Probe.WaitAsync(tag, "cancelled", Bound);
        var result = NodeCallResult.Parse(client.Lines, client.Describe());

        Assert.Equal(1, result.Code);
    }

    [Fact]
    public async Task Count_ClientCancelsMidStream_HandlerTokenFires()
    {
        var tag = "stream-cancel-" + Guid.NewGuid().ToString("N");

        var result = await RunAsync(new { method = "Count", request = new { count = 10_000, interval_ms = 10, tag }, cancelAfterMessages = 2 });

        Assert.Equal(1, result.Code);
        Assert.Equal(2, result.Messages.Count);
        await server.Probe.WaitAsync(tag, "cancelled", Bound);
    }

    [Fact]
    public async Task Echo_Traceparent_IsTheParentOfTheServerActivity()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var spanId = ActivitySpanId.CreateRandom().ToHexString();

        var result = await RunAsync(new
        {
            method = "Echo",
            request = new { message = "trace" },
            metadata = new Dictionary<string, object> { ["traceparent"] = $"00-{traceId}-{spanId}-01" },
        });

        Assert.Equal(0, result.Code);
        var message = Assert.Single(result.Messages);
        Assert.Equal(traceId, message.GetProperty("trace_id").GetString());
        Assert.Equal(spanId, message.GetProperty("parent_span_id").GetString());
        var serverActivity = await ActivityRecorder.WaitForAsync(
            a => a.TraceId.ToHexString() == traceId && a.Kind == ActivityKind.Server, Bound);
        Assert.Equal("interop.v1.EchoService/Echo", serverActivity.DisplayName);
        Assert.Equal("grpc", serverActivity.GetTagItem("rpc.system"));
        Assert.Equal("interop.v1.EchoService", serverActivity.GetTagItem("rpc.service"));
        Assert.Equal("Echo", serverActivity.GetTagItem("rpc.method"));
        Assert.Equal(0, serverActivity.GetTagItem("rpc.grpc.status_code"));
    }

    [Fact]
    public async Task HealthCheck_WholeServer_IsServing()
    {
        var result = await RunAsync(new { method = "Check", request = new { service = "" } });

        Assert.True(result.Code == 0, result.Transcript);
        Assert.Equal("SERVING", Assert.Single(result.Messages).GetProperty("status").GetString());
    }

    [Fact]
    public async Task HealthCheck_UnknownService_IsNotFound()
    {
        var result = await RunAsync(new { method = "Check", request = new { service = "no.such.Service" } });

        Assert.Equal(5, result.Code);
    }

    [Fact]
    public async Task HealthCheck_ServiceSetInRegistry_ReportsItsStatus()
    {
        var service = "check." + Guid.NewGuid().ToString("N");
        server.Health.SetStatus(service, ServingStatus.NotServing);

        var result = await RunAsync(new { method = "Check", request = new { service } });

        Assert.Equal(0, result.Code);
        Assert.Equal("NOT_SERVING", Assert.Single(result.Messages).GetProperty("status").GetString());
    }

    [Fact]
    public async Task HealthWatch_StatusChanges_AreStreamedAsTheyHappen()
    {
        var service = "watch." + Guid.NewGuid().ToString("N");
        await using var client = await NodeInterop.StartClientAsync(
            server.HostPort, new { method = "Watch", request = new { service }, cancelAfterMessages = 3 });

        Assert.Equal("SERVICE_UNKNOWN", await NextStatusAsync(client));
        server.Health.SetStatus(service, ServingStatus.Serving);
        Assert.Equal("SERVING", await NextStatusAsync(client));
        server.Health.SetStatus(service, ServingStatus.Serving); // unchanged: not sent again
        server.Health.SetStatus(service, ServingStatus.NotServing);
        Assert.Equal("NOT_SERVING", await NextStatusAsync(client));

        await client.WaitForExitAsync(Bound);
        Assert.Equal(1, NodeCallResult.Parse(client.Lines, client.Describe()).Code);
    }

    private static async Task<string> NextStatusAsync(Gateway.Testing.Node.NodeProcess client)
    {
        while (true)
        {
            var line = await client.ReadLineAsync(Bound);
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.GetProperty("event").GetString() == "message")
            {
                return document.RootElement.GetProperty("message").GetProperty("status").GetString()!;
            }
        }
    }

    private Task<NodeCallResult> RunAsync(object scenario) => NodeInterop.RunClientAsync(server.HostPort, scenario);
}
