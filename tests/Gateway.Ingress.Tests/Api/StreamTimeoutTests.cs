using System.Net;
using System.Text.Json.Nodes;
using Gateway.Contracts;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

/// <summary>Idle timeouts, against an app configured with a 1-second idle timeout.</summary>
public sealed class StreamTimeoutTests(ShortIdleIngressFixture fixture) : IClassFixture<ShortIdleIngressFixture>
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_UpstreamSendsNoHeaders_Answers504AndCancelsTheUpstreamCall(bool stream)
    {
        var id = NewId();
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream), simId: id, mode: "stall-headers"));
        await Http.AssertEnvelopeAsync(response, 504, "upstream_timeout");
        await fixture.Upstream.AbortedAsync(id).WaitAsync(TimeSpan.FromSeconds(30));

        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Failed, usage.Outcome);
        Assert.Equal(504, usage.HttpStatus);
    }

    [Fact]
    public async Task Post_StreamGoesIdleMidway_ErrorEventThenAbort()
    {
        var id = NewId();
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: id, mode: "stall-stream"),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var (events, aborted) = await sse.ReadToEndAsync();

        Assert.True(aborted);
        Assert.Contains(events, e => e.Contains("\"content\":\"Hello\"", StringComparison.Ordinal));
        Assert.Equal("upstream_timeout", JsonNode.Parse(events[^1]["data: ".Length..])!["error"]!["code"]!.GetValue<string>());
        await fixture.Upstream.AbortedAsync(id).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
