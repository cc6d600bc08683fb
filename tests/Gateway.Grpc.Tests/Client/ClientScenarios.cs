using System.Diagnostics;
using Gateway.Grpc.Tests.Infrastructure;
using Google.Protobuf;
using Interop.V1;

namespace Gateway.Grpc.Tests.Client;

/// <summary>
/// The in-repo client against a real server. Runs against @grpc/grpc-js (<see cref="OurClientToNodeServerTests"/>)
/// and against the in-repo server (<see cref="OurClientToOurServerTests"/>); both servers behave the same.
/// </summary>
public abstract class ClientScenarios
{
    protected static readonly Method<EchoRequest, EchoResponse> Echo = new(EchoReflection.Descriptor.Services[0], "Echo");
    protected static readonly Method<CountRequest, CountResponse> Count = new(EchoReflection.Descriptor.Services[0], "Count");
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    protected abstract string Address { get; }

    /// <summary>Waits (bounded) until the server has seen the call with this tag cancelled.</summary>
    protected abstract Task AssertServerSawCancellationAsync(string tag);

    protected GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => GrpcChannel.ForAddress(Address, options);

    protected static string NewTag() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task UnaryAsync_Echo_ReturnsTheMessage()
    {
        using var channel = CreateChannel();
        var payload = ByteString.CopyFrom([0, 1, 2, 254, 255]);

        var response = await channel.UnaryAsync(Echo, new EchoRequest { Message = "hello", Payload = payload }).WaitAsync(Bound);

        Assert.Equal("hello", response.Message);
        Assert.Equal(payload, response.Payload);
    }

    [Fact]
    public async Task UnaryCallAsync_AsciiAndBinaryMetadata_RoundTripInHeadersAndTrailers()
    {
        using var channel = CreateChannel();
        byte[] bytes = [0, 10, 13, 200, 255];
        var headers = new Metadata().Add("x-ascii", "some value").Add("X-Mixed-Case", "v").Add("x-data-bin", bytes);

        var result = await channel.UnaryCallAsync(Echo, new EchoRequest { Message = "meta" }, new CallOptions(headers)).WaitAsync(Bound);

        Assert.Equal("meta", result.Response.Message);
        foreach (var received in new[] { result.ResponseHeaders, result.Trailers })
        {
            Assert.Equal("some value", received.GetValue("x-ascii"));
            Assert.Equal("v", received.GetValue("x-mixed-case"));
            Assert.Equal(bytes, received.GetValueBytes("x-data-bin"));
            Assert.DoesNotContain(received, e => e.Key.StartsWith("grpc-", StringComparison.Ordinal) || e.Key == "content-type");
        }
    }

    [Fact]
    public async Task UnaryAsync_ManyConcurrentCallsOnOneChannel_EachGetsItsOwnResponse()
    {
        using var channel = CreateChannel();

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            channel.UnaryAsync(Echo, new EchoRequest { Message = "m" + i }))).WaitAsync(Bound);

        Assert.Equal(Enumerable.Range(0, 200).Select(i => "m" + i), responses.Select(r => r.Message));
    }

    [Fact]
    public async Task ServerStreamingAsync_Count_YieldsEveryMessageInOrder()
    {
        using var channel = CreateChannel();

        var indexes = new List<int>();
        await foreach (var message in channel.ServerStreamingAsync(Count, new CountRequest { Count = 5, IntervalMs = 5 }).WithCancellation(CancellationToken.None))
        {
            indexes.Add(message.Index);
        }

        Assert.Equal([0, 1, 2, 3, 4], indexes);
    }

    [Fact]
    public async Task ServerStreamingCall_Count_ExposesHeadersStatusAndTrailers()
    {
        using var channel = CreateChannel();
        using var call = channel.ServerStreamingCall(
            Count, new CountRequest { Count = 2 }, new CallOptions(new Metadata().Add("x-stream", "s1")));

        var headers = await call.ResponseHeadersAsync.WaitAsync(Bound);
        var count = 0;
        await foreach (var _ in call.ReadAllAsync())
        {
            count++;
        }

        Assert.Equal("s1", headers.GetValue("x-stream"));
        Assert.Equal(2, count);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("s1", call.GetTrailers().GetValue("x-stream"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnaryAsync_ServerFails_ThrowsWithCodeDetailAndTrailers(bool beforeHeaders)
    {
        using var channel = CreateChannel();
        const string detail = "not here: café ✓ 100% \"quoted\"\nline two";
        var request = new EchoRequest { Message = "fail", FailCode = (int)StatusCode.NotFound, FailMessage = detail, FailBeforeHeaders = beforeHeaders };

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            Echo, request, new CallOptions(new Metadata().Add("x-reason", "missing").Add("x-blob-bin", [1, 2, 3]))).WaitAsync(Bound));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
        Assert.Equal("missing", error.Trailers.GetValue("x-reason"));
        Assert.Equal([1, 2, 3], error.Trailers.GetValueBytes("x-blob-bin"));
    }

    [Theory]
    [InlineData(StatusCode.Cancelled)]
    [InlineData(StatusCode.Unknown)]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.DeadlineExceeded)]
    [InlineData(StatusCode.AlreadyExists)]
    [InlineData(StatusCode.PermissionDenied)]
    [InlineData(StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.FailedPrecondition)]
    [InlineData(StatusCode.Aborted)]
    [InlineData(StatusCode.OutOfRange)]
    [InlineData(StatusCode.Unimplemented)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.DataLoss)]
    [InlineData(StatusCode.Unauthenticated)]
    public async Task UnaryAsync_EveryErrorCode_ArrivesAsSent(StatusCode code)
    {
        using var channel = CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            Echo, new EchoRequest { Message = "code", FailCode = (int)code, FailMessage = code.ToString() }).WaitAsync(Bound));

        Assert.Equal(code, error.StatusCode);
        Assert.Equal(code.ToString(), error.Status.Detail);
    }

    [Fact]
    public async Task ServerStreamingAsync_FailsAfterMessages_YieldsThemThenThrows()
    {
        using var channel = CreateChannel();
        var request = new CountRequest { Count = 2, FailCode = (int)StatusCode.FailedPrecondition, FailMessage = "stopped" };

        var received = new List<int>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var message in channel.ServerStreamingAsync(Count, request))
            {
                received.Add(message.Index);
            }
        }).WaitAsync(Bound);

        Assert.Equal([0, 1], received);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("stopped", error.Status.Detail);
    }

    [Fact]
    public async Task UnaryAsync_DeadlinePasses_ThrowsDeadlineExceededAndServerStops()
    {
        using var channel = CreateChannel();
        var tag = NewTag();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            Echo,
            new EchoRequest { Message = tag, SleepMs = 30_000 },
            new CallOptions(Deadline: DateTime.UtcNow.AddMilliseconds(1000))).WaitAsync(Bound));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await AssertServerSawCancellationAsync(tag);
    }

    [Fact]
    public async Task UnaryAsync_Deadline_IsSentAsGrpcTimeout()
    {
        using var channel = CreateChannel();
        var deadline = DateTime.UtcNow.AddMinutes(5);

        var response = await channel.UnaryAsync(Echo, new EchoRequest { Message = "deadline" }, new CallOptions(Deadline: deadline)).WaitAsync(Bound);

        // The server's deadline is its arrival time plus the remaining time the client sent: not earlier than
        // the client's, later by at most the time the request spent in flight. Both ends truncate to whole
        // milliseconds here and there (grpc-js keeps ms), hence a few ms of slack on each side.
        var serverDeadline = DateTimeOffset.FromUnixTimeMilliseconds(response.DeadlineUnixMs).UtcDateTime;
        Assert.InRange(serverDeadline, deadline.AddMilliseconds(-3), DateTime.UtcNow.AddMinutes(5).AddMilliseconds(3));
    }

    [Fact]
    public async Task UnaryAsync_DefaultDeadline_AppliesWhenCallHasNone()
    {
        using var channel = CreateChannel(new GrpcChannelOptions { DefaultDeadline = TimeSpan.FromMilliseconds(1000) });
        var tag = NewTag();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            Echo, new EchoRequest { Message = tag, SleepMs = 30_000 }).WaitAsync(Bound));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await AssertServerSawCancellationAsync(tag);
    }

    [Fact]
    public async Task UnaryAsync_CallerCancels_ThrowsCancelledAndServerStops()
    {
        using var channel = CreateChannel();
        var tag = NewTag();
        using var cts = new CancellationTokenSource();

        var call = channel.UnaryAsync(Echo, new EchoRequest { Message = tag, SleepMs = 30_000 }, new CallOptions(CancellationToken: cts.Token));
        await WaitUntilServerStartedAsync(tag, channel);
        await cts.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.WaitAsync(Bound));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await AssertServerSawCancellationAsync(tag);
    }

    [Fact]
    public async Task ServerStreamingAsync_ConsumerBreaksMidStream_ServerSeesCancellation()
    {
        using var channel = CreateChannel();
        var tag = NewTag();

        var received = 0;
        await foreach (var _ in channel.ServerStreamingAsync(Count, new CountRequest { Count = 10_000, IntervalMs = 10, Tag = tag }))
        {
            if (++received == 2)
            {
                break;
            }
        }

        Assert.Equal(2, received);
        await AssertServerSawCancellationAsync(tag);
    }

    [Fact]
    public async Task ServerStreamingAsync_TokenCancelledMidStream_ThrowsCancelled()
    {
        using var channel = CreateChannel();
        var tag = NewTag();
        using var cts = new CancellationTokenSource();

        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in channel.ServerStreamingAsync(Count, new CountRequest { Count = 10_000, IntervalMs = 10, Tag = tag }, new CallOptions(CancellationToken: cts.Token)))
            {
                if (++received == 3)
                {
                    await cts.CancelAsync();
                }
            }
        }).WaitAsync(Bound);

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(3, received);
        await AssertServerSawCancellationAsync(tag);
    }

    [Fact]
    public async Task UnaryAsync_ResponseOverReceiveLimit_ThrowsResourceExhausted()
    {
        using var channel = CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            Echo, new EchoRequest { Message = "big", ResponsePadding = 5 * 1024 * 1024 }).WaitAsync(Bound));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_RaisedReceiveLimit_AcceptsLargeResponse()
    {
        using var channel = CreateChannel(new GrpcChannelOptions { MaxReceiveMessageSize = 8 * 1024 * 1024 });

        var response = await channel.UnaryAsync(Echo, new EchoRequest { Message = "big", ResponsePadding = 5 * 1024 * 1024 }).WaitAsync(Bound);

        Assert.Equal(5 * 1024 * 1024, response.Padding.Length);
    }

    [Fact]
    public async Task UnaryAsync_RequestOverServerLimit_ThrowsResourceExhausted()
    {
        using var channel = CreateChannel();
        var payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]);

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            Echo, new EchoRequest { Message = "big", Payload = payload }).WaitAsync(Bound));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_RequestOverClientSendLimit_ThrowsResourceExhaustedWithoutSending()
    {
        using var channel = CreateChannel(new GrpcChannelOptions { MaxSendMessageSize = 1024 });
        var tag = NewTag();

        var error = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(
            Echo, new EchoRequest { Message = tag, Payload = ByteString.CopyFrom(new byte[2048]) }).WaitAsync(Bound));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task UnaryAsync_WithParentActivity_SendsTraceparentOfTheClientActivity()
    {
        ActivityRecorder.EnsureStarted();
        using var channel = CreateChannel();
        using var parent = ActivityRecorder.TestSource.StartActivity("test-parent")!;

        var result = await channel.UnaryCallAsync(Echo, new EchoRequest { Message = "trace" }).WaitAsync(Bound);
        parent.Stop();

        // The server echoes the metadata it received: traceparent is W3C "00-{trace}-{parent span}-{flags}".
        var traceparent = result.ResponseHeaders.GetValue("traceparent");
        Assert.NotNull(traceparent);
        var parts = traceparent.Split('-');
        Assert.Equal(parent.TraceId.ToHexString(), parts[1]);
        var trace = ActivityRecorder.InTrace(parent.TraceId);
        var clientActivity = trace.Single(a => a.Source.Name == GrpcDiagnostics.ActivitySourceName && a.Kind == ActivityKind.Client);

        // SocketsHttpHandler injects the context of its own HTTP activity, a child of the gRPC client activity.
        var httpActivity = trace.Single(a => a.SpanId.ToHexString() == parts[2]);
        Assert.Equal("System.Net.Http", httpActivity.Source.Name);
        Assert.Equal(clientActivity.SpanId, httpActivity.ParentSpanId);
        Assert.Equal(ActivityKind.Client, clientActivity.Kind);
        Assert.Equal("interop.v1.EchoService/Echo", clientActivity.DisplayName);
        Assert.Equal(parent.SpanId, clientActivity.ParentSpanId);
        Assert.Equal("grpc", clientActivity.GetTagItem("rpc.system"));
        Assert.Equal("interop.v1.EchoService", clientActivity.GetTagItem("rpc.service"));
        Assert.Equal("Echo", clientActivity.GetTagItem("rpc.method"));
        Assert.Equal(0, clientActivity.GetTagItem("rpc.grpc.status_code"));
    }

    /// <summary>Waits (bounded) until the server is inside the handler for this tag (so a cancel hits a running call).</summary>
    protected abstract Task WaitUntilServerStartedAsync(string tag, GrpcChannel channel);
}
