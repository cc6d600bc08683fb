using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Contracts;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

[Collection(IngressCollection.Name)]
public sealed class AnthropicMessagesTests(IngressFixture fixture)
{
    private const string Upstream = "claude-upstream";

    private static string NewId() => Guid.NewGuid().ToString("N");

    internal static string Body(string model, bool stream = false, string extra = "") =>
        "{\"model\":\"" + model + "\",  \"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"PROMPT-SECRET-TEXT say hi\"}]"
        + (stream ? ",\"stream\":true" : string.Empty) + extra + "}";

    internal static HttpRequestMessage Messages(string body, string? key = FakeDependencies.ValidKey, string path = "/v1/messages",
        bool bearer = false, string? version = "2023-06-01", string? simId = null, string? mode = null,
        params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            if (bearer)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            else
            {
                request.Headers.Add("x-api-key", key);
            }
        }

        if (version is not null)
        {
            request.Headers.Add("anthropic-version", version);
        }

        if (simId is not null)
        {
            request.Headers.Add("x-sim-id", simId);
        }

        if (mode is not null)
        {
            request.Headers.Add("x-sim-mode", mode);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private async Task<UsageRecorded> ExactlyOneUsageAsync(HttpResponseMessage response)
    {
        var requestId = Http.RequestId(response);
        var usage = await fixture.Usage.WaitForAsync(requestId);
        await fixture.WaitForUsageIdleAsync();
        Assert.Equal(1, fixture.Usage.Count(requestId));
        return usage;
    }

    [Theory]
    [InlineData("/v1/messages", false)]
    [InlineData("/v1/messages?beta=true", true)]
    [InlineData("/anthropic/v1/messages?beta=true", false)]
    [InlineData(IngressFixture.BasePath + "/anthropic/v1/messages", true)]
    [InlineData("/openai/v1/messages", false)]
    public async Task Post_SameWire_RelaysBodyAndAnswerByteIdenticalApartFromTheModel(string path, bool bearer)
    {
        var id = NewId();
        var body = Body(FakeDependencies.AnthropicModel, extra: ",\"x_unknown\":{\"n\":1.50,\"s\":\"\\u00e9\"},\"metadata\":{\"user_id\":\"u\"}");
        using var response = await fixture.Public.SendAsync(Messages(body, path: path, bearer: bearer, simId: id,
            headers: [("anthropic-beta", "prompt-caching-2024-07-31,tools-2024-05-16"), ("x-custom", "not forwarded")]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeOpenAiUpstream.MessageJson(Upstream), await response.Content.ReadAsStringAsync());

        var received = fixture.Upstream.Find(id)!;
        Assert.Equal("/v1/messages", received.Path);
        Assert.Equal(body.Replace($"\"{FakeDependencies.AnthropicModel}\"", $"\"{Upstream}\"", StringComparison.Ordinal),
            Encoding.UTF8.GetString(received.Body));
        Assert.Equal(FakeOpenAiUpstream.ProviderKey, received.Headers["x-api-key"]);
        Assert.False(received.Headers.ContainsKey("authorization"));
        Assert.Equal("2023-06-01", received.Headers["anthropic-version"]);
        Assert.Equal("prompt-caching-2024-07-31,tools-2024-05-16", received.Headers["anthropic-beta"]);
        Assert.False(received.Headers.ContainsKey("x-custom"));
        Assert.DoesNotContain(received.Headers.Values, v => v.Contains(FakeDependencies.ValidKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_ClientVersionKeptOrDefaulted()
    {
        var id = NewId();
        using (var response = await fixture.Public.SendAsync(Messages(Body(FakeDependencies.AnthropicModel), version: "2026-10-21", simId: id)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal("2026-10-21", fixture.Upstream.Find(id)!.Headers["anthropic-version"]);

        var other = NewId();
        using (var response = await fixture.Public.SendAsync(Messages(Body(FakeDependencies.AnthropicModel), version: null, simId: other)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal("2023-06-01", fixture.Upstream.Find(other)!.Headers["anthropic-version"]);
        Assert.False(fixture.Upstream.Find(other)!.Headers.ContainsKey("anthropic-beta"));
    }

    [Fact]
    public async Task Post_NonStreaming_PublishesNormalisedUsage()
    {
        using var response = await fixture.Public.SendAsync(Messages(Body(FakeDependencies.AnthropicModel), simId: NewId()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = await ExactlyOneUsageAsync(response);
        Assert.Equal("anthropic.messages", usage.Surface);
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.False(usage.Streamed);
        Assert.Equal(FakeDependencies.AnthropicModel, usage.Model);
        Assert.Equal(Upstream, usage.UpstreamModel);
        // input 20 + cache read 6 + cache creation 2
        Assert.Equal((28L, 9L, 6L, 2L), (usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.CacheWriteTokens));
    }

    [Fact]
    public async Task Post_Streaming_RelaysEventsByteIdenticalAndPublishesNormalisedUsage()
    {
        var id = NewId();
        using var response = await fixture.Public.SendAsync(Messages(Body(FakeDependencies.AnthropicModel, stream: true), simId: id),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var (events, aborted) = await sse.ReadToEndAsync();
        Assert.False(aborted);
        Assert.Equal(string.Concat(FakeOpenAiUpstream.AnthropicStreamEvents(Upstream)), sse.All.ToString());
        Assert.Equal("event: message_stop\ndata: {\"type\":\"message_stop\"}", events[^1]);

        var upstreamBody = JsonNode.Parse(fixture.Upstream.Find(id)!.Body)!.AsObject();
        Assert.False(upstreamBody.ContainsKey("stream_options")); // chat's include_usage is never added on this wire

        var usage = await ExactlyOneUsageAsync(response);
        Assert.Equal("anthropic.messages", usage.Surface);
        Assert.True(usage.Streamed);
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        // message_start: input 10, cache read 5, cache creation 3; message_delta: output 7
        Assert.Equal((18L, 7L, 5L, 3L), (usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.CacheWriteTokens));
        Assert.NotNull(usage.TimeToFirstTokenMs);
    }

    [Fact]
    public async Task Post_StreamCutBeforeMessageStop_WritesAnthropicErrorEventAndAborts()
    {
        var id = NewId();
        using var response = await fixture.Public.SendAsync(Messages(Body(FakeDependencies.AnthropicModel, stream: true), simId: id, mode: "cut"),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("event: message_start", await sse.NextEventAsync());
        fixture.Upstream.ReleaseGate(id);
        var (events, aborted) = await sse.ReadToEndAsync();
        Assert.True(aborted);
        var last = events[^1];
        Assert.StartsWith("event: error\ndata: ", last, StringComparison.Ordinal);
        var error = JsonNode.Parse(last["event: error\ndata: ".Length..])!.AsObject();
        Assert.Equal("error", error["type"]!.GetValue<string>());
        Assert.Equal("api_error", error["error"]!["type"]!.GetValue<string>());
        Assert.DoesNotContain(events, e => e.Contains("message_stop", StringComparison.Ordinal));

        var usage = await ExactlyOneUsageAsync(response);
        Assert.Equal(UsageOutcome.Failed, usage.Outcome);
        Assert.Equal(502, usage.HttpStatus);
        Assert.Equal((18L, 5L, 3L), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens));
    }

    [Fact]
    public async Task Post_UpstreamAnthropicError_RelayedWithItsStatus()
    {
        using var response = await fixture.Public.SendAsync(Messages(Body(FakeDependencies.AnthropicModel), simId: NewId(), mode: "error"));
        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal(FakeOpenAiUpstream.AnthropicErrorEnvelope, await response.Content.ReadAsStringAsync());
        var usage = await ExactlyOneUsageAsync(response);
        Assert.Equal(UsageOutcome.Failed, usage.Outcome);
    }

    public static TheoryData<string, string?, int, string> Errors() => new()
    {
        { "{\"model\":\"claude-test\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", FakeDependencies.ValidKey, 400, "invalid_request_error" },
        { "{\"model\":\"claude-test\",\"max_tokens\":10,\"messages\":[ ]}", FakeDependencies.ValidKey, 400, "invalid_request_error" },
        { "{\"model\":\"claude-test\",\"max_tokens\":10}", FakeDependencies.ValidKey, 400, "invalid_request_error" },
        { "{\"model\":\"claude-test\",\"max_tokens\":\"many\",\"messages\":[{}]}", FakeDependencies.ValidKey, 400, "invalid_request_error" },
        { "{not json", FakeDependencies.ValidKey, 400, "invalid_request_error" },
        { Body(FakeDependencies.AnthropicModel), null, 401, "authentication_error" },
        { Body(FakeDependencies.AnthropicModel), "sk-test-unknown", 401, "authentication_error" },
        { Body(FakeDependencies.AnthropicModel), FakeDependencies.LimitedKey, 403, "permission_error" },
        { Body("no-such-model"), FakeDependencies.ValidKey, 404, "not_found_error" },
        { Body(FakeDependencies.AnthropicModel), FakeDependencies.RateLimitedKey, 429, "rate_limit_error" },
        { Body(FakeDependencies.AnthropicModel), FakeDependencies.AuthDownKey, 503, "overloaded_error" },
        { Body(FakeDependencies.RoutingDownModel), FakeDependencies.ValidKey, 503, "overloaded_error" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Post_Rejected_AnswersAnthropicEnvelopeWithStatus(string body, string? key, int status, string type)
    {
        using var response = await fixture.Public.SendAsync(Messages(body, key: key));
        await Http.AssertAnthropicEnvelopeAsync(response, status, type);
        if (status == 429)
        {
            Assert.NotEmpty(response.Headers.GetValues("retry-after").Single());
        }
    }

    [Fact]
    public async Task Post_MissingMaxTokens_NamesTheField()
    {
        using var response = await fixture.Public.SendAsync(Messages("{\"model\":\"claude-test\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        var error = await Http.AssertAnthropicEnvelopeAsync(response, 400, "invalid_request_error");
        Assert.Contains("max_tokens", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_OpenAiChatModel_TranslatedIntoAMessageWithUsage()
    {
        using var response = await fixture.Public.SendAsync(Messages(Body(FakeDependencies.Model)));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Equal("message", json["type"]!.GetValue<string>());
        Assert.Equal(FakeDependencies.Model, json["model"]!.GetValue<string>());
        Assert.Equal("Hello tok1 tok2", json["content"]![0]!["text"]!.GetValue<string>());
        // The fake's usage chunk: prompt 11 (4 cached), completion 3; Anthropic's input_tokens excludes the cache.
        Assert.Equal(7, json["usage"]!["input_tokens"]!.GetValue<int>());
        Assert.Equal(4, json["usage"]!["cache_read_input_tokens"]!.GetValue<int>());
        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal(11, usage.InputTokens);
        Assert.Equal(4, usage.CachedInputTokens);
        Assert.Equal(3, usage.OutputTokens);
        Assert.Equal(FakeDependencies.UpstreamModel, usage.UpstreamModel);
    }

    [Fact]
    public async Task Post_TooLarge_413RequestTooLarge()
    {
        using var response = await fixture.Public.SendAsync(Messages(Body(FakeDependencies.AnthropicModel,
            extra: ",\"pad\":\"" + new string('x', 70 * 1024) + "\"")));
        await Http.AssertAnthropicEnvelopeAsync(response, 413, "request_too_large");
    }

    [Fact]
    public async Task Post_UnknownAnthropicPath_404NotFoundError()
    {
        using var response = await fixture.Public.SendAsync(Messages(Body(FakeDependencies.AnthropicModel), path: "/v1/messages/batches"));
        await Http.AssertAnthropicEnvelopeAsync(response, 404, "not_found_error");
    }

    [Fact]
    public async Task CountTokens_AnthropicUpstream_RelayedWithoutUsageEvent()
    {
        var id = NewId();
        var body = "{\"model\":\"claude-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        using var response = await fixture.Public.SendAsync(Messages(body, path: "/v1/messages/count_tokens?beta=true", simId: id));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"input_tokens\":42}", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("x-gateway-token-estimate"));
        var received = fixture.Upstream.Find(id)!;
        Assert.Equal("/v1/messages/count_tokens", received.Path);
        Assert.Equal(body.Replace("claude-test", Upstream, StringComparison.Ordinal), Encoding.UTF8.GetString(received.Body));
        await fixture.WaitForUsageIdleAsync();
        Assert.Equal(0, fixture.Usage.Count(Http.RequestId(response)));
    }

    [Fact]
    public async Task CountTokens_OtherWire_EstimatesAndSaysSo()
    {
        var id = NewId();
        var body = "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
        using var response = await fixture.Public.SendAsync(Messages(body, path: "/anthropic/v1/messages/count_tokens", simId: id));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("true", response.Headers.GetValues("x-gateway-token-estimate").Single());
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal((body.Length + 3) / 4, json["input_tokens"]!.GetValue<long>());
        Assert.Null(fixture.Upstream.Find(id));
    }

    [Fact]
    public async Task CountTokens_EmptyMessages_400()
    {
        using var response = await fixture.Public.SendAsync(Messages("{\"model\":\"claude-test\",\"messages\":[]}", path: "/v1/messages/count_tokens"));
        await Http.AssertAnthropicEnvelopeAsync(response, 400, "invalid_request_error");
    }
}
