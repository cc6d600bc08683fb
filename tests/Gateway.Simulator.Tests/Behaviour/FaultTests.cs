using System.Net;
using System.Text.Json;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests.Behaviour;

public sealed class FaultTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    private static readonly TimeSpan SilenceWindow = TimeSpan.FromMilliseconds(500);

    public static TheoryData<WireKind, bool> WiresAndModes => new()
    {
        { WireKind.OpenAi, false },
        { WireKind.OpenAi, true },
        { WireKind.Anthropic, false },
        { WireKind.Anthropic, true },
        { WireKind.Responses, false },
        { WireKind.Responses, true },
    };

    [Theory]
    [InlineData(WireKind.OpenAi, false, 500, "server_error")]
    [InlineData(WireKind.OpenAi, true, 503, "server_error")]
    [InlineData(WireKind.OpenAi, true, 400, "invalid_request_error")]
    [InlineData(WireKind.Anthropic, false, 529, "overloaded_error")]
    [InlineData(WireKind.Anthropic, true, 500, "api_error")]
    [InlineData(WireKind.Anthropic, false, 401, "authentication_error")]
    [InlineData(WireKind.Anthropic, true, 404, "not_found_error")]
    [InlineData(WireKind.Responses, false, 500, "server_error")]
    [InlineData(WireKind.Responses, true, 400, "invalid_request_error")]
    public async Task Status_ViaDirective_AnswersStatusInWireEnvelope(WireKind wire, bool stream, int status, string errorType)
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wires.Request(wire, $"hi [sim fault=status:{status}]", stream), deadline.Token);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        Assert.Equal(errorType, Wires.ErrorType(wire, json.RootElement));
    }

    [Theory]
    [MemberData(nameof(WiresAndModes))]
    public async Task Status429_ViaHeader_IncludesRetryAfter(WireKind wire, bool stream)
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wires.Request(wire, "hi", stream, ("x-sim-fault", "status:429")), deadline.Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        Assert.Equal(wire == WireKind.Anthropic ? "rate_limit_error" : "requests", Wires.ErrorType(wire, json.RootElement));
        if (wire != WireKind.Anthropic)
        {
            Assert.Equal("rate_limit_exceeded", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
    }

    [Theory]
    [InlineData(WireKind.OpenAi, 0)]
    [InlineData(WireKind.OpenAi, 3)]
    [InlineData(WireKind.Anthropic, 0)]
    [InlineData(WireKind.Anthropic, 5)]
    [InlineData(WireKind.Responses, 0)]
    [InlineData(WireKind.Responses, 4)]
    public async Task Drop_Stream_DeliversNDeltasThenFailsBeforeTerminalEvent(WireKind wire, int n)
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wires.Request(wire, $"hi [sim tokens=10 fault=drop:{n}]", stream: true), deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        var reader = new SseReader(body);
        var received = new List<SseEvent>();
        var failure = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadAsync(deadline.Token) is { } next)
            {
                received.Add(next);
            }
        });

        Assert.IsAssignableFrom<IOException>(failure);
        Assert.DoesNotContain(received, e => Wires.IsTerminal(wire, e));
        Assert.Equal(Wires.PreambleCount(wire) + n, received.Count);
        Assert.Equal(n, Wires.Deltas(wire, received).Count);
    }

    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    [InlineData(WireKind.Responses)]
    public async Task Drop_MoreThanPlanned_AbortsBeforeTerminalEvent(WireKind wire)
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wires.Request(wire, "hi [sim tokens=2 fault=drop:50]", stream: true), deadline.Token);
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        var reader = new SseReader(body);
        var received = new List<SseEvent>();

        var failure = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadAsync(deadline.Token) is { } next)
            {
                received.Add(next);
            }
        });

        Assert.IsAssignableFrom<IOException>(failure);
        Assert.Equal(2, Wires.Deltas(wire, received).Count);
        Assert.DoesNotContain(received, e => Wires.IsTerminal(wire, e));
    }

    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    [InlineData(WireKind.Responses)]
    public async Task Drop_NonStreaming_FailsBeforeBody(WireKind wire)
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wires.Request(wire, "hi", stream: false, ("x-sim-fault", "drop:0")), deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var failure = await Record.ExceptionAsync(() => response.Content.ReadAsByteArrayAsync(deadline.Token));
        Assert.True(failure is IOException || failure?.InnerException is IOException, $"Expected an IOException, got {failure}");
    }

    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    [InlineData(WireKind.Responses)]
    public async Task Stall_Stream_SendsPreambleThenNothing(WireKind wire)
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wires.Request(wire, "hi [sim fault=stall]", stream: true), deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        var reader = new SseReader(body);
        for (var i = 0; i < Wires.PreambleCount(wire); i++)
        {
            Assert.NotNull(await reader.ReadAsync(deadline.Token));
        }

        using var silence = new CancellationTokenSource(SilenceWindow);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.ReadAsync(silence.Token));
    }

    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    [InlineData(WireKind.Responses)]
    public async Task Stall_NonStreaming_SendsHeadersThenNothing(WireKind wire)
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wires.Request(wire, "hi", stream: false, ("x-sim-fault", "stall")), deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);

        using var silence = new CancellationTokenSource(SilenceWindow);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await body.ReadAtLeastAsync(new byte[16], 1, throwOnEndOfStream: false, silence.Token));
    }

    [Fact]
    public async Task Stall_ClientWithShortTimeout_GivesUpAndSimulatorKeepsServing()
    {
        using var shortClient = host.CreateClient(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => shortClient.SendAsync(Wires.Request(WireKind.OpenAi, "hi [sim fault=stall]", stream: false)));

        using var deadline = Wire.Deadline();
        using var next = await host.Client.SendAsync(Wires.Request(WireKind.OpenAi, "hi", stream: false), deadline.Token);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    [InlineData(WireKind.Responses)]
    public async Task Garbage_NonStreaming_BodyIsNotJson(WireKind wire)
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wires.Request(wire, "hi [sim fault=garbage]", stream: false), deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync(deadline.Token);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(bytes));
    }

    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    [InlineData(WireKind.Responses)]
    public async Task Garbage_Stream_EventDataIsNotJsonAndNoTerminalEvent(WireKind wire)
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wires.Request(wire, "hi", stream: true, ("x-sim-fault", "garbage")), deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = await Wire.ReadEventsAsync(response, deadline.Token);

        Assert.NotEmpty(events);
        Assert.DoesNotContain(events, e => Wires.IsTerminal(wire, e));
        Assert.ThrowsAny<JsonException>(() =>
        {
            foreach (var sse in events)
            {
                JsonDocument.Parse(sse.Data).Dispose();
            }
        });
    }

    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    [InlineData(WireKind.Responses)]
    public async Task Fault_None_OverridesHeaderFault(WireKind wire)
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(
            Wires.Request(wire, "hi [sim fault=none]", stream: false, ("x-sim-fault", "status:500")), deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("fault=explode")]
    [InlineData("fault=status:200")]
    [InlineData("fault=drop:x")]
    [InlineData("tokens=-1")]
    [InlineData("speed=9")]
    public async Task Directive_Invalid_Returns400(string directive)
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wires.Request(WireKind.Anthropic, $"hi [sim {directive}]", stream: true), deadline.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        Assert.Equal("invalid_request_error", Wires.ErrorType(WireKind.Anthropic, json.RootElement));
    }

    [Fact]
    public async Task Header_InvalidFault_Returns400()
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(
            Wires.Request(WireKind.OpenAi, "hi", stream: false, ("x-sim-fault", "status:99")), deadline.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
