using System.Net;
using System.Text.Json.Nodes;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

/// <summary>
/// The relay over HTTP/2. Without TLS, Kestrel speaks HTTP/2 only on an Http2 endpoint (prior knowledge), so this
/// app's public listener is configured that way; with TLS an Http1AndHttp2 endpoint negotiates it.
/// </summary>
public sealed class Http2Tests(Http2IngressFixture fixture) : IClassFixture<Http2IngressFixture>
{
    private HttpClient Client() => new()
    {
        BaseAddress = fixture.Public.BaseAddress,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(60),
    };

    private static HttpRequestMessage H2(HttpRequestMessage request)
    {
        request.Version = HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        return request;
    }

    [Fact]
    public async Task Post_StreamingOverHttp2_RelaysToDone()
    {
        using var client = Client();
        using var response = await client.SendAsync(H2(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: Guid.NewGuid().ToString("N"))),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpVersion.Version20, response.Version);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var (events, aborted) = await sse.ReadToEndAsync();
        Assert.False(aborted);
        Assert.Equal("data: [DONE]", events[^1]);
    }

    [Fact]
    public async Task Post_StreamCutOverHttp2_ErrorEventThenReset()
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = Client();
        using var response = await client.SendAsync(H2(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: id, mode: "cut")),
            HttpCompletionOption.ResponseHeadersRead);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        await sse.NextEventAsync();
        await sse.NextEventAsync();
        fixture.Upstream.ReleaseGate(id);
        var (events, aborted) = await sse.ReadToEndAsync();

        Assert.True(aborted);
        Assert.Equal("upstream_stream_interrupted", JsonNode.Parse(events[^1]["data: ".Length..])!["error"]!["code"]!.GetValue<string>());
    }
}
