using System.Net;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

/// <summary>Every public route answers under /v1, /openai/v1, /anthropic/v1 and the same under Ingress:BasePath,
/// with either auth header.</summary>
[Collection(IngressCollection.Name)]
public sealed class MountTests(IngressFixture fixture)
{
    public static TheoryData<string> Mounts() =>
    [
        "/v1", "/openai/v1", "/anthropic/v1",
        IngressFixture.BasePath + "/v1", IngressFixture.BasePath + "/openai/v1", IngressFixture.BasePath + "/anthropic/v1",
    ];

    [Theory]
    [MemberData(nameof(Mounts))]
    public async Task ChatCompletions_EveryMountWithBearer_Relays(string mount)
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), path: mount + "/chat/completions", simId: id));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeOpenAiUpstream.CompletionJson(FakeDependencies.UpstreamModel), await response.Content.ReadAsStringAsync());
        Assert.Equal("/v1/chat/completions", fixture.Upstream.Find(id)!.Path);
    }

    [Theory]
    [MemberData(nameof(Mounts))]
    public async Task ChatCompletions_EveryMountWithXApiKey_Relays(string mount)
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), key: null,
            path: mount + "/chat/completions", simId: id, headers: [("x-api-key", FakeDependencies.ValidKey)]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(fixture.Upstream.Find(id));
    }

    [Theory]
    [InlineData("/llm-api/chat/completions")]
    [InlineData("/other/v1/chat/completions")]
    [InlineData("/llm-api/v2/chat/completions")]
    [InlineData("/v1/llm-api/chat/completions")]
    public async Task ChatCompletions_NotAMount_Is404(string path)
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), path: path));
        await Http.AssertEnvelopeAsync(response, 404, "unknown_url");
    }
}
