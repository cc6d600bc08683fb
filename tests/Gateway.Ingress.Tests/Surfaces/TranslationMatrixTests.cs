using System.Text.Json.Nodes;
using Gateway.Contracts;
using Gateway.Ingress.Tests.Api;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Surfaces;

/// <summary>
/// Every client surface (chat, messages, responses) against an upstream of every wire, through the real simulator:
/// same-wire pairs are byte relays, the six cross-wire pairs go through the translation library both ways.
/// </summary>
[Collection(SimulatorIngressCollection.Name)]
public sealed class TranslationMatrixTests(SimulatorIngressFixture fixture)
{
    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var client in new[] { WireClient.Chat, WireClient.Messages, WireClient.Responses })
        {
            foreach (var model in new[] { SimulatorIngressFixture.ChatModel, SimulatorIngressFixture.AnthropicModel, SimulatorIngressFixture.ResponsesModel })
            {
                data.Add(client, model);
            }
        }

        return data;
    }

    private static string SurfaceName(string client) => client switch
    {
        WireClient.Chat => "openai.chat",
        WireClient.Messages => "anthropic.messages",
        _ => "openai.responses",
    };

    private async Task<(WireAnswer Answer, UsageRecorded Usage)> CallAsync(string client, string model, string prompt, bool stream, bool tools)
    {
        using var request = WireClient.Request(client, model, prompt, stream, tools);
        using var response = await fixture.Public.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{client} → {model}: HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        WireAnswer answer;
        if (stream)
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
            var (events, aborted) = await sse.ReadToEndAsync();
            Assert.False(aborted, sse.All.ToString());
            answer = WireClient.ReadStream(client, events);
        }
        else
        {
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            answer = WireClient.ReadBody(client, await response.Content.ReadAsStringAsync());
        }

        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal(SurfaceName(client), usage.Surface);
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.Equal(stream, usage.Streamed);
        Assert.True(usage.InputTokens > 0);
        return (answer, usage);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Post_Plain_TextAnswerInTheClientsWireWithExactUsage(string client, string model)
    {
        var (answer, usage) = await CallAsync(client, model, "say hi [sim tokens=6]", stream: false, tools: false);

        Assert.True(answer.Completed);
        Assert.False(string.IsNullOrWhiteSpace(answer.Text));
        Assert.Empty(answer.ToolCalls);
        Assert.Equal(6, usage.OutputTokens);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Post_Streamed_SameTextAsNonStreamedAndUsage(string client, string model)
    {
        var (plain, _) = await CallAsync(client, model, "say hello [sim tokens=5]", stream: false, tools: false);

        var (streamed, usage) = await CallAsync(client, model, "say hello [sim tokens=5]", stream: true, tools: false);

        Assert.True(streamed.Completed);
        Assert.Equal(plain.Text, streamed.Text);
        Assert.Equal(5, usage.OutputTokens);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Post_ToolCall_StreamedArgumentsReassembleToTheNonStreamedOnes(string client, string model)
    {
        var (plain, _) = await CallAsync(client, model, "weather please [sim tool=get_weather]", stream: false, tools: true);

        var (streamed, usage) = await CallAsync(client, model, "weather please [sim tool=get_weather]", stream: true, tools: true);

        var call = Assert.Single(plain.ToolCalls);
        Assert.Equal("get_weather", call.Name);
        var arguments = JsonNode.Parse(call.Arguments)!;
        Assert.NotNull(arguments["city"]);
        Assert.NotNull(arguments["days"]);
        var streamedCall = Assert.Single(streamed.ToolCalls);
        Assert.Equal("get_weather", streamedCall.Name);
        Assert.True(JsonNode.DeepEquals(arguments, JsonNode.Parse(streamedCall.Arguments)), $"{call.Arguments} != {streamedCall.Arguments}");
        Assert.True(streamed.Completed);
        Assert.True(usage.OutputTokens > 0);
    }

    public static TheoryData<string, string> CrossWire() => new()
    {
        { WireClient.Chat, SimulatorIngressFixture.AnthropicModel },
        { WireClient.Chat, SimulatorIngressFixture.ResponsesModel },
        { WireClient.Messages, SimulatorIngressFixture.ChatModel },
        { WireClient.Messages, SimulatorIngressFixture.ResponsesModel },
        { WireClient.Responses, SimulatorIngressFixture.ChatModel },
        { WireClient.Responses, SimulatorIngressFixture.AnthropicModel },
    };

    [Theory]
    [MemberData(nameof(CrossWire))]
    public async Task Post_TranslatedStreamCutMidway_ClientsErrorEventAndAbortedConnection(string client, string model)
    {
        using var request = WireClient.Request(client, model, "say hi [sim tokens=12 fault=drop:3]", stream: true);
        using var response = await fixture.Public.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(200, (int)response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var (events, aborted) = await sse.ReadToEndAsync();
        Assert.True(aborted, sse.All.ToString());
        var last = WireClient.Parse(events[^1]);
        if (client == WireClient.Chat)
        {
            Assert.Null(last.Name);
            Assert.Equal("upstream_stream_interrupted", JsonNode.Parse(last.Data)!["error"]!["code"]!.GetValue<string>());
            Assert.DoesNotContain(events, e => e.Contains("[DONE]", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal("error", last.Name);
            Assert.Equal("error", JsonNode.Parse(last.Data)!["type"]!.GetValue<string>());
            Assert.DoesNotContain(events, e => e.StartsWith("event: message_stop", StringComparison.Ordinal)
                || e.StartsWith("event: response.completed", StringComparison.Ordinal));
        }

        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Failed, usage.Outcome);
        Assert.True(usage.InputTokens > 0);
    }

    [Theory]
    [MemberData(nameof(CrossWire))]
    public async Task Post_TranslatedCutForNonStreamingClient_502InClientsEnvelope(string client, string model)
    {
        using var request = WireClient.Request(client, model, "say hi [sim tokens=12 fault=drop:3]", stream: false);
        using var response = await fixture.Public.SendAsync(request);

        if (client == WireClient.Messages)
        {
            await Http.AssertAnthropicEnvelopeAsync(response, 502, "api_error");
        }
        else
        {
            await Http.AssertEnvelopeAsync(response, 502, "upstream_stream_interrupted");
        }
    }

    [Theory]
    [MemberData(nameof(CrossWire))]
    public async Task Post_UpstreamErrorStatus_TranslatedIntoClientsEnvelopeWithTheStatus(string client, string model)
    {
        foreach (var stream in new[] { false, true })
        {
            using var request = WireClient.Request(client, model, "say hi [sim fault=status:429]", stream);
            using var response = await fixture.Public.SendAsync(request);

            if (client == WireClient.Messages)
            {
                var error = await Http.AssertAnthropicEnvelopeAsync(response, 429, "rate_limit_error");
                Assert.Contains("Rate limit", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
            }
            else
            {
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(429 == (int)response.StatusCode, text);
                var error = JsonNode.Parse(text)!["error"]!;
                Assert.Contains("Rate limit", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
            }

            var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
            Assert.Equal(UsageOutcome.Failed, usage.Outcome);
            Assert.Equal(429, usage.HttpStatus);
        }
    }

    [Theory]
    [MemberData(nameof(CrossWire))]
    public async Task Post_ClientLeavesTranslatedStream_UsageEventAborted(string client, string model)
    {
        string requestId;
        using (var request = WireClient.Request(client, model, "say hi [sim tokens=200 itl=50]", stream: true))
        using (var response = await fixture.Public.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(200, (int)response.StatusCode);
            requestId = Http.RequestId(response);
            using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
            Assert.NotNull(await sse.NextEventAsync());
        }

        var usage = await fixture.Usage.WaitForAsync(requestId);
        Assert.Equal(UsageOutcome.Aborted, usage.Outcome);
        Assert.Equal(499, usage.HttpStatus);
        Assert.True(usage.InputTokens > 0);
    }

    [Theory]
    [InlineData(WireClient.Chat, "messages[0].content")]
    [InlineData(WireClient.Responses, "input")]
    public async Task Post_TranslatedInvalidRequest_400NamingTheField(string client, string param)
    {
        var body = client == WireClient.Chat
            ? "{\"model\":\"sim-anthropic\",\"messages\":[{\"role\":\"user\",\"content\":42}]}"
            : "{\"model\":\"sim-anthropic\",\"input\":[{\"type\":\"no_such_item\"}]}";
        var path = client == WireClient.Chat ? "/v1/chat/completions" : "/v1/responses";

        using var response = await fixture.Public.SendAsync(Http.Chat(body, path: path));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(400 == (int)response.StatusCode, text);
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.StartsWith(param, error["param"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, fixture.Usage.Count(Http.RequestId(response)));
    }

    [Fact]
    public async Task Post_EmbeddingsOnAnthropicModelWithEmbeddings_400TranslationNotAvailable()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(
            "{\"model\":\"" + SimulatorIngressFixture.AnthropicEmbeddingsModel + "\",\"input\":\"hello\"}", path: "/v1/embeddings"));

        var error = await Http.AssertEnvelopeAsync(response, 400, "translation_not_available", "invalid_request_error");
        Assert.Equal("model", error["param"]!.GetValue<string>());
    }
}
