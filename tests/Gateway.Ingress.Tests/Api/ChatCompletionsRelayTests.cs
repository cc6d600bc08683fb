using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Contracts;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

[Collection(IngressCollection.Name)]
public sealed class ChatCompletionsRelayTests(IngressFixture fixture)
{
    private readonly HttpClient _client = fixture.Public;

    private static string NewId() => Guid.NewGuid().ToString("N");

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/openai/v1/chat/completions")]
    public async Task Post_NonStreaming_RelaysUpstreamBodyByteIdentical(string path)
    {
        var id = NewId();
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), path: path, simId: id));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeOpenAiUpstream.CompletionJson(FakeDependencies.UpstreamModel), await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Matches("^req_[0-9a-f]{24}$", Http.RequestId(response));
        Assert.Equal("60", response.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("59", response.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.NotEmpty(response.Headers.GetValues("x-ratelimit-reset-requests").Single());
    }

    [Fact]
    public async Task Post_Upstream_GetsRewrittenBodyProviderKeyAndOnlySimHeaders()
    {
        var id = NewId();
        var body = Http.Body(FakeDependencies.Model, extra: ",\"x_client_field\":{\"n\":1.50,\"s\":\"\\u00e9\"}");
        var request = Http.Chat(body, simId: id, headers: [("x-sim-tokens", "2"), ("x-custom", "not forwarded"), ("OpenAI-Organization", "org-1")]);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var received = fixture.Upstream.Find(id)!;
        Assert.Equal("/v1/chat/completions", received.Path);
        Assert.Equal("Bearer " + FakeOpenAiUpstream.ProviderKey, received.Headers["authorization"]);
        Assert.Equal("2", received.Headers["x-sim-tokens"]);
        Assert.Equal(id, received.Headers["x-sim-id"]);
        Assert.False(received.Headers.ContainsKey("x-custom"));
        Assert.False(received.Headers.ContainsKey("openai-organization"));
        Assert.DoesNotContain(received.Headers.Values, v => v.Contains(FakeDependencies.ValidKey, StringComparison.Ordinal));
        Assert.Equal(body.Replace($"\"{FakeDependencies.Model}\"", $"\"{FakeDependencies.UpstreamModel}\"", StringComparison.Ordinal),
            Encoding.UTF8.GetString(received.Body));
    }

    [Fact]
    public async Task Post_Streaming_ForcesIncludeUsageUpstreamAndDropsTheUsageChunkForTheClient()
    {
        var id = NewId();
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: id),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.CacheControl!.NoCache);
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());

        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var (events, aborted) = await sse.ReadToEndAsync();
        Assert.False(aborted);
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.DoesNotContain(events, e => e.Contains("\"usage\":{", StringComparison.Ordinal));

        var upstreamBody = JsonNode.Parse(fixture.Upstream.Find(id)!.Body)!;
        Assert.True(upstreamBody["stream_options"]!["include_usage"]!.GetValue<bool>());

        // Everything but the usage chunk is what the upstream sent, byte for byte.
        var m = FakeDependencies.UpstreamModel;
        var expected = FakeOpenAiUpstream.Chunk(m, """{"role":"assistant","content":""}""", null, true)
            + FakeOpenAiUpstream.Chunk(m, """{"content":"Hello"}""", null, true)
            + FakeOpenAiUpstream.Chunk(m, """{"content":" tok1"}""", null, true)
            + FakeOpenAiUpstream.Chunk(m, """{"content":" tok2"}""", null, true)
            + FakeOpenAiUpstream.Chunk(m, "{}", "\"stop\"", true)
            + "data: [DONE]\n\n";
        Assert.Equal(expected, sse.All.ToString());
    }

    [Fact]
    public async Task Post_StreamingWithIncludeUsage_RelaysTheUsageChunk()
    {
        var id = NewId();
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true, includeUsage: true), simId: id),
            HttpCompletionOption.ResponseHeadersRead);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var (events, _) = await sse.ReadToEndAsync();
        Assert.Equal(FakeOpenAiUpstream.UsageChunk(FakeDependencies.UpstreamModel, 3).TrimEnd('\n'), events[^2]);
        Assert.Equal("data: [DONE]", events[^1]);
    }

    [Fact]
    public async Task Post_Streaming_FirstChunkArrivesBeforeTheUpstreamSendsTheLast()
    {
        var id = NewId();
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: id, mode: "gate"),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());

        var first = await sse.NextEventAsync();
        var second = await sse.NextEventAsync();
        Assert.Contains("\"role\":\"assistant\"", first, StringComparison.Ordinal);
        Assert.Contains("\"content\":\"Hello\"", second, StringComparison.Ordinal);
        Assert.False(fixture.Upstream.SentLast(id)); // the upstream is held at its gate: nothing was buffered

        fixture.Upstream.ReleaseGate(id);
        var (rest, aborted) = await sse.ReadToEndAsync();
        Assert.False(aborted);
        Assert.True(fixture.Upstream.SentLast(id));
        Assert.Equal("data: [DONE]", rest[^1]);
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("end-early")]
    public async Task Post_UpstreamCutsTheStream_ClientGetsErrorEventAndAbortedConnection(string mode)
    {
        var id = NewId();
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: id, mode: mode),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        Assert.Contains("\"role\"", await sse.NextEventAsync(), StringComparison.Ordinal);
        Assert.Contains("\"content\":\"Hello\"", await sse.NextEventAsync(), StringComparison.Ordinal);
        fixture.Upstream.ReleaseGate(id);
        var (events, aborted) = await sse.ReadToEndAsync();

        Assert.True(aborted, "the connection must be aborted, not ended cleanly");
        Assert.DoesNotContain("data: [DONE]", events);
        var error = JsonNode.Parse(events[^1]["data: ".Length..])!["error"]!;
        Assert.Equal("upstream_stream_interrupted", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_UpstreamStreamEndsBeforeAnyEvent_Answers502Envelope()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: NewId(), mode: "empty-stream"));
        await Http.AssertEnvelopeAsync(response, 502, "upstream_stream_interrupted");
    }

    [Fact]
    public async Task Post_StreamingGarbageBeforeFirstByte_Answers502Envelope()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: NewId(), mode: "garbage"));
        await Http.AssertEnvelopeAsync(response, 502, "upstream_invalid_response");
    }

    [Fact]
    public async Task Post_NonStreamingGarbage_Answers502Envelope()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), simId: NewId(), mode: "garbage"));
        await Http.AssertEnvelopeAsync(response, 502, "upstream_invalid_response");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_UpstreamOpenAiError_IsRelayedWithItsStatus(bool stream)
    {
        var request = Http.Chat(Http.Body(FakeDependencies.Model, stream), simId: NewId(), mode: "error", headers: ("x-sim-status", "429"));
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(FakeOpenAiUpstream.ErrorEnvelope, await response.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task Post_UpstreamHtmlError_IsWrappedAs502()
    {
        var request = Http.Chat(Http.Body(FakeDependencies.Model), simId: NewId(), mode: "error-html", headers: ("x-sim-status", "503"));
        using var response = await _client.SendAsync(request);
        var error = await Http.AssertEnvelopeAsync(response, 502, "upstream_error");
        Assert.Contains("503", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_UpstreamRejectsProviderKey_Answers502NotTheUpstreams401()
    {
        var request = Http.Chat(Http.Body(FakeDependencies.Model), simId: NewId(), mode: "error", headers: ("x-sim-status", "401"));
        using var response = await _client.SendAsync(request);
        await Http.AssertEnvelopeAsync(response, 502, "upstream_auth_failed");
    }

    [Fact]
    public async Task Post_UpstreamUnreachable_Answers502()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.DeadUpstreamModel)));
        await Http.AssertEnvelopeAsync(response, 502, "upstream_unreachable");
        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Failed, usage.Outcome);
        Assert.Equal(502, usage.HttpStatus);
        Assert.Equal(0, usage.InputTokens);
    }
}
