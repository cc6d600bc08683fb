using Gateway.Grpc.Tests.Infrastructure;
using Interop.V1;

namespace Gateway.Grpc.Tests.Server;

/// <summary>
/// grpc-timeout on the in-repo server, with a bare client that keeps no timer of its own: whatever deadline
/// behaviour shows is the server's.
/// </summary>
public sealed class ServerDeadlineTests(DotnetServerFixture server) : IClassFixture<DotnetServerFixture>, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly RawGrpcClient _client = new();

    public void Dispose() => _client.Dispose();

    [Theory]
    [InlineData("99999H", 99_999 * 3_600_000L)]
    [InlineData("2H", 2 * 3_600_000L)]
    [InlineData("3M", 3 * 60_000L)]
    [InlineData("45S", 45_000L)]
    [InlineData("60000m", 60_000L)]
    [InlineData("90000000u", 90_000L)]
    public async Task Echo_GrpcTimeoutInEachUnit_SetsTheHandlerDeadline(string header, long expectedMs)
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var response = await SendAsync(new EchoRequest { Message = "units" }, header);
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Equal("0", response.GrpcStatus);
        var deadline = EchoResponse.Parser.ParseFrom(response.Body.AsSpan(5)).DeadlineUnixMs;
        Assert.InRange(deadline, before + expectedMs - 1, after + expectedMs + 1);
    }

    [Fact]
    public async Task Echo_NoGrpcTimeout_HasNoDeadline()
    {
        var response = await SendAsync(new EchoRequest { Message = "none" }, timeout: null);

        Assert.Equal(0, EchoResponse.Parser.ParseFrom(response.Body.AsSpan(5)).DeadlineUnixMs);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    [InlineData("1.5S")]
    public async Task Echo_MalformedGrpcTimeout_IsInternal(string header)
    {
        var response = await SendAsync(new EchoRequest { Message = "bad" }, header);

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_ZeroTimeout_IsDeadlineExceededWithoutRunningTheHandler()
    {
        var tag = NewTag();

        var response = await SendAsync(new EchoRequest { Message = tag }, "0m");

        Assert.Equal("4", response.GrpcStatus);
        Assert.False(server.Probe.Happened(tag, "started"));
    }

    [Fact]
    public async Task Echo_DeadlinePasses_HandlerTokenFiresAndStatusIsDeadlineExceeded()
    {
        var tag = NewTag();

        var response = await SendAsync(new EchoRequest { Message = tag, SleepMs = 30_000 }, "200m");

        Assert.Equal("4", response.GrpcStatus);
        await server.Probe.WaitAsync(tag, "deadline", Bound);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Echo_HandlerIgnoresItsToken_ServerAnswersDeadlineExceededAnyway(bool headersFirst)
    {
        var tag = NewTag();
        try
        {
            var response = await SendAsync(
                new EchoRequest { Message = tag, SleepMs = 1, IgnoreCancellation = true, HeadersFirst = headersFirst }, "200m");

            Assert.Equal("4", response.GrpcStatus);
            Assert.Equal(!headersFirst, response.IsTrailersOnly);
            Assert.False(server.Probe.Happened(tag, "handler-finished"), "The status must not wait for the handler.");
        }
        finally
        {
            server.Probe.Release(tag);
        }

        await server.Probe.WaitAsync(tag, "handler-finished", Bound);
    }

    [Fact]
    public async Task Count_DeadlinePassesMidStream_MessagesThenDeadlineExceeded()
    {
        var tag = NewTag();

        var response = await _client.SendAsync(
            server.Address,
            "/interop.v1.EchoService/Count",
            RawGrpcClient.Frame(new CountRequest { Count = 10_000, IntervalMs = 20, Tag = tag }),
            headers: new Dictionary<string, string> { ["grpc-timeout"] = "300m" });

        Assert.Equal("4", response.GrpcStatus);
        Assert.NotEmpty(response.Body);
        await server.Probe.WaitAsync(tag, "deadline", Bound);
    }

    private static string NewTag() => Guid.NewGuid().ToString("N");

    private Task<RawResponse> SendAsync(EchoRequest request, string? timeout) =>
        _client.SendAsync(
            server.Address,
            "/interop.v1.EchoService/Echo",
            RawGrpcClient.Frame(request),
            headers: timeout is null ? null : new Dictionary<string, string> { ["grpc-timeout"] = timeout });
}
