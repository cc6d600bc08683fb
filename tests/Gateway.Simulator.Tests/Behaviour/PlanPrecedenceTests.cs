using System.Diagnostics;
using System.Net;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests.Behaviour;

/// <summary>Directive values override headers, which override configuration (here: tokens 7, ttft 11, itl 3).</summary>
public sealed class PlanPrecedenceTests(ConfiguredSimulatorHost host) : IClassFixture<ConfiguredSimulatorHost>
{
    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    public async Task Plan_NoOverrides_UsesConfiguration(WireKind wire)
    {
        var (plan, deltas) = await StreamAsync(wire, "plain");

        Assert.Equal("ttft=11 itl=3 tokens=7 fault=none", plan);
        Assert.Equal(7, deltas);
    }

    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    public async Task Plan_Headers_OverrideConfiguration(WireKind wire)
    {
        var (plan, deltas) = await StreamAsync(
            wire, "headers", ("x-sim-tokens", "4"), ("x-sim-ttft-ms", "0"), ("x-sim-itl-ms", "1"));

        Assert.Equal("ttft=0 itl=1 tokens=4 fault=none", plan);
        Assert.Equal(4, deltas);
    }

    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    public async Task Plan_Directive_OverridesHeadersAndConfiguration(WireKind wire)
    {
        var (plan, deltas) = await StreamAsync(
            wire, "directive [sim tokens=2 itl=0]", ("x-sim-tokens", "4"), ("x-sim-ttft-ms", "0"), ("x-sim-itl-ms", "1"));

        // tokens and itl from the directive, ttft from the header, nothing left from configuration.
        Assert.Equal("ttft=0 itl=0 tokens=2 fault=none", plan);
        Assert.Equal(2, deltas);
    }

    [Fact]
    public async Task Plan_DirectiveInEarlierUserMessage_Ignored()
    {
        var body = Wire.OpenAiBody("last message without directive", model: "sim-gpt");
        var messages = body["messages"]!.AsArray();
        messages.Insert(1, new System.Text.Json.Nodes.JsonObject { ["role"] = "user", ["content"] = "old [sim tokens=1]" });
        messages.Insert(2, new System.Text.Json.Nodes.JsonObject { ["role"] = "assistant", ["content"] = "ok" });
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wire.OpenAi(body), deadline.Token);

        Assert.Equal("ttft=11 itl=3 tokens=7 fault=none", response.Headers.GetValues("x-sim-plan").Single());
    }

    [Fact]
    public async Task Plan_DirectiveInTextBlockOfLastUserMessage_Applied()
    {
        var body = Wire.AnthropicBody("unused", model: "sim-claude");
        body["messages"]![0]!["content"] = new System.Text.Json.Nodes.JsonArray(
            new System.Text.Json.Nodes.JsonObject { ["type"] = "text", ["text"] = "<system-reminder>context</system-reminder>" },
            new System.Text.Json.Nodes.JsonObject { ["type"] = "text", ["text"] = "say hi [sim tokens=3]" });
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wire.Anthropic(body), deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal(3, json.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Tokens_DirectiveLengths_ShareTheirPrefix()
    {
        // Directives are left out of the answer's seed: only the length changes.
        using var deadline = Wire.Deadline();
        var shorter = await CompleteTextAsync("prefix [sim tokens=3]", deadline.Token);
        var longer = await CompleteTextAsync("prefix [sim tokens=9]", deadline.Token);

        Assert.StartsWith(shorter, longer);
        Assert.NotEqual(shorter, longer);
    }

    [Fact]
    public async Task Tokens_Zero_StreamsNoDeltas()
    {
        var (_, deltas) = await StreamAsync(WireKind.Anthropic, "nothing [sim tokens=0]");

        Assert.Equal(0, deltas);
    }

    [Theory]
    [InlineData(WireKind.OpenAi, true)]
    [InlineData(WireKind.Anthropic, true)]
    [InlineData(WireKind.OpenAi, false)]
    [InlineData(WireKind.Anthropic, false)]
    public async Task Timing_TtftAndItl_AnswerTakesAtLeastTheirSum(WireKind wire, bool stream)
    {
        // A lower bound only: delays can be longer on a busy machine, never shorter.
        var stopwatch = Stopwatch.StartNew();
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Request(wire, "slow [sim ttft=120 itl=40 tokens=4]", stream), deadline.Token);
        await response.Content.ReadAsByteArrayAsync(deadline.Token);
        stopwatch.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(stopwatch.ElapsedMilliseconds >= 120 + (3 * 40) - 5, $"took {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Timing_Ttft_FirstDeltaArrivesNoEarlier()
    {
        using var deadline = Wire.Deadline();
        var stopwatch = Stopwatch.StartNew();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Request(WireKind.Anthropic, "ttft [sim ttft=150 itl=0 tokens=2]", stream: true), deadline.Token);
        await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
        var reader = new SseReader(body);
        SseEvent? next;
        do
        {
            next = await reader.ReadAsync(deadline.Token);
        }
        while (next is not null && next.Name != "content_block_delta");

        stopwatch.Stop();
        Assert.NotNull(next);
        Assert.True(stopwatch.ElapsedMilliseconds >= 145, $"first delta after {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Model_NotListedWhenAcceptAnyModelIsFalse_Returns404InWireEnvelope()
    {
        using var deadline = Wire.Deadline();
        using var openAi = await host.Client.SendAsync(Wire.OpenAi(Wire.OpenAiBody("hi", model: "gpt-unknown")), deadline.Token);
        using var anthropic = await host.Client.SendAsync(Wire.Anthropic(Wire.AnthropicBody("hi", model: "claude-unknown")), deadline.Token);
        using var openAiJson = await Wire.ReadJsonAsync(openAi, deadline.Token);
        using var anthropicJson = await Wire.ReadJsonAsync(anthropic, deadline.Token);

        Assert.Equal(HttpStatusCode.NotFound, openAi.StatusCode);
        Assert.Equal("model_not_found", openAiJson.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, anthropic.StatusCode);
        Assert.Equal("not_found_error", Wires.ErrorType(WireKind.Anthropic, anthropicJson.RootElement));
    }

    private static HttpRequestMessage Request(WireKind wire, string prompt, bool stream) =>
        wire == WireKind.OpenAi
            ? Wire.OpenAi(Wire.OpenAiBody(prompt, stream, includeUsage: stream, model: "sim-gpt"))
            : Wire.Anthropic(Wire.AnthropicBody(prompt, stream, model: "sim-claude"));

    private async Task<(string Plan, int Deltas)> StreamAsync(WireKind wire, string prompt, params (string, string)[] headers)
    {
        var body = wire == WireKind.OpenAi
            ? Wire.OpenAiBody(prompt, stream: true, model: "sim-gpt")
            : Wire.AnthropicBody(prompt, stream: true, model: "sim-claude");
        using var request = wire == WireKind.OpenAi ? Wire.OpenAi(body, Wire.OpenAiKey, headers) : Wire.Anthropic(body, Wire.AnthropicKey, headers);
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(host.Client, request, deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await Wire.ReadEventsAsync(response, deadline.Token);
        return (response.Headers.GetValues("x-sim-plan").Single(), Wires.Deltas(wire, events).Count);
    }

    private async Task<string> CompleteTextAsync(string prompt, CancellationToken cancellationToken)
    {
        using var response = await host.Client.SendAsync(Wire.OpenAi(Wire.OpenAiBody(prompt, model: "sim-gpt")), cancellationToken);
        using var json = await Wire.ReadJsonAsync(response, cancellationToken);
        return Wires.Text(WireKind.OpenAi, json.RootElement);
    }
}
