using System.Text.Json.Nodes;
using Gateway.Contracts;
using Gateway.Ingress.Tests.Api;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Surfaces;

/// <summary><c>POST /v1/responses</c> relayed to the simulator's Responses wire.</summary>
[Collection(SimulatorIngressCollection.Name)]
public sealed class ResponsesRelayTests(SimulatorIngressFixture fixture)
{
    private const string Model = SimulatorIngressFixture.ResponsesModel;

    private static string Body(string prompt, bool stream = false, string extra = "") =>
        "{\"model\":\"" + Model + "\",\"input\":\"" + prompt + "\"" + (stream ? ",\"stream\":true" : string.Empty) + extra + "}";

    [Theory]
    [InlineData("/v1/responses")]
    [InlineData("/openai/v1/responses")]
    [InlineData("/anthropic/v1/responses")]
    [InlineData(IngressFixture.BasePath + "/v1/responses")]
    public async Task Post_NonStreaming_RelaysResponseWithUpstreamModelAndMetersUsage(string path)
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Body("say hi [sim tokens=5]"), path: path));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var json = JsonNode.Parse(text)!;
        Assert.Equal("response", json["object"]!.GetValue<string>());
        Assert.Equal("completed", json["status"]!.GetValue<string>());
        Assert.Equal(SimulatorIngressFixture.ResponsesUpstreamModel, json["model"]!.GetValue<string>());
        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal("openai.responses", usage.Surface);
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.False(usage.Streamed);
        Assert.Equal(5, usage.OutputTokens);
        Assert.Equal(json["usage"]!["input_tokens"]!.GetValue<long>(), usage.InputTokens);
        Assert.Equal(SimulatorIngressFixture.ResponsesUpstreamModel, usage.UpstreamModel);
    }

    [Fact]
    public async Task Post_StreamDecidedByBodyNotAccept_RelaysEventsToCompletedWithUsage()
    {
        using var request = Http.Chat(Body("say hi [sim tokens=4]", stream: true), path: "/v1/responses");
        using var response = await fixture.Public.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var (events, aborted) = await sse.ReadToEndAsync();
        Assert.False(aborted);
        Assert.StartsWith("event: response.created", events[0], StringComparison.Ordinal);
        Assert.StartsWith("event: response.completed", events[^1], StringComparison.Ordinal);
        Assert.Equal(4, events.Count(e => e.StartsWith("event: response.output_text.delta", StringComparison.Ordinal)));
        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.True(usage.Streamed);
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.Equal(4, usage.OutputTokens);
        Assert.True(usage.InputTokens > 0);
    }

    [Fact]
    public async Task Post_StreamCutAfterFirstByte_ResponsesErrorEventAndAbortedConnection()
    {
        using var request = Http.Chat(Body("say hi [sim tokens=8 fault=drop:2]", stream: true), path: "/v1/responses");
        using var response = await fixture.Public.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(200, (int)response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var (events, aborted) = await sse.ReadToEndAsync();
        Assert.True(aborted);
        Assert.DoesNotContain(events, e => e.StartsWith("event: response.completed", StringComparison.Ordinal));
        var error = Assert.Single(events, e => e.StartsWith("event: error", StringComparison.Ordinal));
        var data = JsonNode.Parse(error[(error.IndexOf("data: ", StringComparison.Ordinal) + 6)..])!;
        Assert.Equal("error", data["type"]!.GetValue<string>());
        Assert.Equal("upstream_stream_interrupted", data["code"]!.GetValue<string>());
        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Failed, usage.Outcome);
    }

    [Fact]
    public async Task Post_UpstreamErrorStatus_RelayedInOpenAiEnvelope()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Body("say hi [sim fault=status:429]"), path: "/v1/responses"));

        await Http.AssertEnvelopeAsync(response, 429, code: "rate_limit_exceeded");
    }

    [Theory]
    [InlineData("{\"input\":\"hi\"}", "missing_required_parameter", "model")]
    [InlineData("{\"model\":\"sim-responses\",\"input\":42}", "invalid_type", "input")]
    [InlineData("{\"model\":\"sim-responses\",\"input\":\"hi\",\"stream\":\"yes\"}", "invalid_type", "stream")]
    [InlineData("{\"model\":\"sim-responses\",\"input\":\"hi\",\"max_output_tokens\":-1}", "invalid_value", "max_output_tokens")]
    public async Task Post_InvalidBody_400NamingTheField(string body, string code, string param)
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(body, path: "/v1/responses"));

        var error = await Http.AssertEnvelopeAsync(response, 400, code);
        Assert.Equal(param, error["param"]!.GetValue<string>());
    }
}
