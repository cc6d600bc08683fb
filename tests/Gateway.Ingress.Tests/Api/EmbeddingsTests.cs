using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Contracts;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

[Collection(IngressCollection.Name)]
public sealed class EmbeddingsTests(IngressFixture fixture)
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>Embeddings bodies recorded from the OpenAI SDKs (.NET 2.15 base64, node 7.57 base64 and float).</summary>
    public static TheoryData<string> RecordedBodies()
    {
        var data = new TheoryData<string>();
        foreach (var file in new[] { "openai-dotnet-embeddings.json", "openai7-node-embeddings-float.json", "openai7-node-embeddings.json" })
        {
            var recording = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file)))!.AsArray();
            data.Add(recording[0]!["body"]!.ToJsonString(new JsonSerializerOptions { WriteIndented = false })
                .Replace("text-embedding-3-small", FakeDependencies.Model, StringComparison.Ordinal));
        }

        return data;
    }

    [Theory]
    [InlineData("/v1/embeddings", "{\"model\":\"gpt-test\",\"input\":\"hello\",\"encoding_format\":\"base64\"}")]
    [InlineData("/openai/v1/embeddings", "{\"input\":[\"hello\",\"world\"], \"model\" : \"gpt-test\",\"encoding_format\":\"float\",\"dimensions\":4}")]
    [InlineData(IngressFixture.BasePath + "/v1/embeddings", "{\"model\":\"gpt-test\",\"input\":[1,2,3],\"user\":\"u\",\"x_extra\":1.50}")]
    public async Task Post_SameWire_RelaysBodyAndAnswerWithOnlyTheModelRewritten(string path, string body)
    {
        var id = NewId();
        using var response = await fixture.Public.SendAsync(Http.Chat(body, path: path, simId: id));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeOpenAiUpstream.EmbeddingsJson(FakeDependencies.UpstreamModel), await response.Content.ReadAsStringAsync());

        var received = fixture.Upstream.Find(id)!;
        Assert.Equal("/v1/embeddings", received.Path);
        Assert.Equal("Bearer " + FakeOpenAiUpstream.ProviderKey, received.Headers["authorization"]);
        Assert.Equal(body.Replace("\"gpt-test\"", $"\"{FakeDependencies.UpstreamModel}\"", StringComparison.Ordinal),
            Encoding.UTF8.GetString(received.Body));

        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        await fixture.WaitForUsageIdleAsync();
        Assert.Equal(1, fixture.Usage.Count(Http.RequestId(response)));
        Assert.Equal("openai.embeddings", usage.Surface);
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.Equal((8L, 0L, 0L), (usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens));
        Assert.Equal(FakeDependencies.UpstreamModel, usage.UpstreamModel);
    }

    [Theory]
    [MemberData(nameof(RecordedBodies))]
    public async Task Post_RecordedSdkRequest_Gets200AndPassesEncodingFormatThrough(string body)
    {
        var id = NewId();
        using var response = await fixture.Public.SendAsync(Http.Chat(body, path: "/v1/embeddings", simId: id));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse(body)!;
        var received = JsonNode.Parse(fixture.Upstream.Find(id)!.Body)!;
        Assert.Equal(sent["encoding_format"]!.GetValue<string>(), received["encoding_format"]!.GetValue<string>());
        Assert.Equal(FakeDependencies.UpstreamModel, received["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_ChatOnlyModel_400UnsupportedCapabilityNamingModel()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat("{\"model\":\"claude-test\",\"input\":\"hello\"}", path: "/v1/embeddings"));
        var error = await Http.AssertEnvelopeAsync(response, 400, "unsupported_capability", "invalid_request_error");
        Assert.Equal("model", error["param"]!.GetValue<string>());
        Assert.Contains("embeddings", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model\":\"gpt-test\"}", "missing_required_parameter", "input")]
    [InlineData("{\"model\":\"gpt-test\",\"input\":null}", "missing_required_parameter", "input")]
    [InlineData("{\"input\":\"x\"}", "missing_required_parameter", "model")]
    [InlineData("{\"model\":7,\"input\":\"x\"}", "invalid_type", "model")]
    public async Task Post_BadBody_400NamingTheField(string body, string code, string param)
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(body, path: "/v1/embeddings"));
        var error = await Http.AssertEnvelopeAsync(response, 400, code);
        Assert.Equal(param, error["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_UpstreamError_RelayedWithItsStatusAndOneFailedUsageEvent()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat("{\"model\":\"gpt-test\",\"input\":\"x\"}", path: "/v1/embeddings",
            simId: NewId(), mode: "error", headers: [("x-sim-status", "429")]));
        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal(FakeOpenAiUpstream.ErrorEnvelope, await response.Content.ReadAsStringAsync());
        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Failed, usage.Outcome);
        Assert.Equal(0, usage.InputTokens);
    }

    [Fact]
    public async Task Post_NoKey_401()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat("{\"model\":\"gpt-test\",\"input\":\"x\"}", key: null, path: "/anthropic/v1/embeddings"));
        await Http.AssertEnvelopeAsync(response, 401, "missing_api_key");
    }
}
