using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

[Collection(IngressCollection.Name)]
public sealed class ChatCompletionsErrorTests(IngressFixture fixture)
{
    private readonly HttpClient _client = fixture.Public;

    [Theory]
    [InlineData("{", "invalid_json")]
    [InlineData("not json at all", "invalid_json")]
    [InlineData("[]", "invalid_json")]
    [InlineData("{\"messages\":[]}", "missing_required_parameter")]
    [InlineData("{\"model\":7,\"messages\":[]}", "invalid_type")]
    [InlineData("{\"model\":null,\"messages\":[]}", "missing_required_parameter")]
    [InlineData("{\"model\":\"gpt-test\"}", "missing_required_parameter")]
    [InlineData("{\"model\":\"gpt-test\",\"messages\":\"hi\"}", "invalid_type")]
    [InlineData("{\"model\":\"gpt-test\",\"messages\":{}}", "invalid_type")]
    [InlineData("{\"model\":\"gpt-test\",\"model\":\"other\",\"messages\":[]}", "duplicate_parameter")]
    [InlineData("", "invalid_json")]
    public async Task Post_BadBody_Answers400Envelope(string body, string code)
    {
        using var response = await _client.SendAsync(Http.Chat(body));
        await Http.AssertEnvelopeAsync(response, 400, code, "invalid_request_error");
        Assert.Matches("^req_[0-9a-f]{24}$", Http.RequestId(response));
    }

    [Fact]
    public async Task Post_NoKey_Answers401BeforeReadingTheBody()
    {
        using var response = await _client.SendAsync(Http.Chat("{ not even json", key: null));
        await Http.AssertEnvelopeAsync(response, 401, "missing_api_key");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("sk-unknown-key")]
    [InlineData("not-a-key-format")]
    [InlineData(FakeDependencies.RevokedKey)]
    public async Task Post_WrongKey_Answers401(string key)
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), key));
        await Http.AssertEnvelopeAsync(response, 401, "invalid_api_key");
    }

    [Fact]
    public async Task Post_KeyInXApiKeyHeader_IsAccepted()
    {
        var request = Http.Chat(Http.Body(FakeDependencies.Model), key: null);
        request.Headers.Add("x-api-key", FakeDependencies.ValidKey);
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_ModelNotOnTheKeysAllowlist_Answers403()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), FakeDependencies.LimitedKey));
        await Http.AssertEnvelopeAsync(response, 403, "model_not_allowed", "permission_error");
    }

    [Fact]
    public async Task Post_UnknownModelWithAllowlistedKey_Answers403()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body("no-such-model"), FakeDependencies.LimitedKey));
        await Http.AssertEnvelopeAsync(response, 403, "model_not_allowed");
    }

    [Fact]
    public async Task Post_AliasOfAnAllowedModel_IsServed()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.AliasOfAllowed), FakeDependencies.LimitedKey));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_UnknownModel_Answers404ModelNotFound()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body("no-such-model")));
        var error = await Http.AssertEnvelopeAsync(response, 404, "model_not_found", "invalid_request_error");
        Assert.Equal("model", error["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_RateLimitedKey_Answers429WithRetryAfterAndLimitHeaders()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), FakeDependencies.RateLimitedKey));
        await Http.AssertEnvelopeAsync(response, 429, "rate_limit_exceeded");
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter!.Delta);
        Assert.Equal("5", response.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("0", response.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.Matches("^[0-9.]+(ms|s)$", response.Headers.GetValues("x-ratelimit-reset-requests").Single());
    }

    [Fact]
    public async Task Post_BodyOverTheLimit_Answers413()
    {
        var body = Http.Body(FakeDependencies.Model, extra: ",\"pad\":\"" + new string('x', 70 * 1024) + "\"");
        using var response = await _client.SendAsync(Http.Chat(body));
        await Http.AssertEnvelopeAsync(response, 413, "request_too_large");
    }

    [Fact]
    public async Task Post_ChunkedBodyOverTheLimit_Answers413()
    {
        var request = Http.Chat(string.Empty);
        var bytes = Encoding.UTF8.GetBytes(Http.Body(FakeDependencies.Model, extra: ",\"pad\":\"" + new string('x', 70 * 1024) + "\""));
        request.Content = new StreamContent(new MemoryStream(bytes)); // no Content-Length: chunked
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _client.SendAsync(request);
        await Http.AssertEnvelopeAsync(response, 413, "request_too_large");
    }

    [Fact]
    public async Task Post_AnthropicUpstream_TranslatedIntoAChatCompletionWithUsage()
    {
        using var response = await _client.SendAsync(Http.Chat(Http.Body(FakeDependencies.AnthropicModel)));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var json = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Equal("chat.completion", json["object"]!.GetValue<string>());
        Assert.Equal(FakeDependencies.AnthropicModel, json["model"]!.GetValue<string>());
        Assert.Equal("Hello tok1 tok2", json["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("stop", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
        // Anthropic's usage (input 10, cache write 3, cache read 5, output 7) in the gateway's convention.
        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal(18, usage.InputTokens);
        Assert.Equal(5, usage.CachedInputTokens);
        Assert.Equal(3, usage.CacheWriteTokens);
        Assert.Equal(7, usage.OutputTokens);
        Assert.Equal(18, json["usage"]!["prompt_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Get_UnknownUrlOnPublicPort_Answers404Envelope()
    {
        using var response = await _client.GetAsync("/v1/nothing-here");
        await Http.AssertEnvelopeAsync(response, 404, "unknown_url");
    }

    [Fact]
    public async Task Head_Root_Answers404WithoutABody()
    {
        // Claude Code sends HEAD / first; any status is fine, but never a 500.
        using var response = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_ChatCompletions_Answers405()
    {
        using var response = await _client.GetAsync("/v1/chat/completions");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Post_InboundRequestId_IsEchoedAsClientRequestId()
    {
        var request = Http.Chat("{", headers: ("x-request-id", "client-abc-123"));
        using var response = await _client.SendAsync(request);
        Assert.Equal("client-abc-123", response.Headers.GetValues("x-client-request-id").Single());
        Assert.Matches("^req_[0-9a-f]{24}$", Http.RequestId(response));
    }

    [Fact]
    public async Task Post_BadInputs_NeverProduceUsageEvents()
    {
        // One connection: the second request is served only after the first one's handler (and its Settle) ended.
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = _client.BaseAddress };
        var ids = new List<string>();
        foreach (var body in new[] { "{", Http.Body("no-such-model") })
        {
            using var response = await client.SendAsync(Http.Chat(body));
            ids.Add(Http.RequestId(response));
        }

        using (var barrier = await client.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, barrier.StatusCode);
        }

        await fixture.WaitForUsageIdleAsync();
        Assert.All(ids, id => Assert.Equal(0, fixture.Usage.Count(id)));
    }
}
