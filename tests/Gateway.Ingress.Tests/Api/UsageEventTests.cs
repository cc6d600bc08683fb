using Gateway.Contracts;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

[Collection(IngressCollection.Name)]
public sealed class UsageEventTests(IngressFixture fixture)
{
    private static string NewId() => Guid.NewGuid().ToString("N");

    private async Task<UsageRecorded> ExactlyOneAsync(string requestId)
    {
        var usage = await fixture.Usage.WaitForAsync(requestId);
        await fixture.WaitForUsageIdleAsync();
        Assert.Equal(1, fixture.Usage.Count(requestId));
        // Published in a UsageRecordedBatch, in exactly one batch.
        Assert.Single(fixture.Harness.Published.Select<UsageRecordedBatch>(m => true, new CancellationToken(true))
            .SelectMany(m => m.Context.Message.Events), e => e.RequestId == requestId);
        return usage;
    }

    [Fact]
    public async Task Completed_NonStreaming_PublishesUpstreamUsageAndPrices()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), simId: NewId()));
        var usage = await ExactlyOneAsync(Http.RequestId(response));

        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.Equal(200, usage.HttpStatus);
        Assert.False(usage.Streamed);
        Assert.Equal("tenant-a", usage.TenantId);
        Assert.Equal("key-valid", usage.KeyId);
        Assert.Equal(FakeDependencies.Model, usage.Model);
        Assert.Equal(FakeDependencies.UpstreamModel, usage.UpstreamModel);
        Assert.Equal(FakeDependencies.ProviderId, usage.ProviderId);
        Assert.Equal("openai.chat", usage.Surface);
        Assert.Equal((20, 7, 5, 2), (usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.ReasoningTokens));
        Assert.Equal(fixture.Dependencies.Pricing.InputPerMtokMicros, usage.InputPricePerMTokMicros);
        Assert.Equal(fixture.Dependencies.Pricing.OutputPerMtokMicros, usage.OutputPricePerMTokMicros);
        Assert.Equal(fixture.Dependencies.Pricing.CachedInputPerMtokMicros, usage.CachedInputPricePerMTokMicros);
        Assert.Equal(fixture.Dependencies.Pricing.CacheWritePerMtokMicros, usage.CacheWritePricePerMTokMicros);
        Assert.Null(usage.TimeToFirstTokenMs);
        Assert.True(usage.DurationMs > 0);
    }

    [Fact]
    public async Task Completed_Streaming_PublishesUsageFromTheDroppedChunk()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: NewId()),
            HttpCompletionOption.ResponseHeadersRead);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        await sse.ReadToEndAsync();

        var usage = await ExactlyOneAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.True(usage.Streamed);
        Assert.Equal((11, 3, 4, 1), (usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.ReasoningTokens));
        Assert.NotNull(usage.TimeToFirstTokenMs);
    }

    [Fact]
    public async Task ClientAbort_CancelsTheUpstreamAndPublishesAbortedWithEstimates()
    {
        var id = NewId();
        var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: id, mode: "gate"),
            HttpCompletionOption.ResponseHeadersRead);
        var requestId = Http.RequestId(response);
        var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        await sse.NextEventAsync();
        await sse.NextEventAsync();

        // The client goes away while the upstream is still generating.
        sse.Dispose();
        response.Dispose();
        await fixture.Upstream.AbortedAsync(id).WaitAsync(TimeSpan.FromSeconds(30));

        var usage = await ExactlyOneAsync(requestId);
        Assert.Equal(UsageOutcome.Aborted, usage.Outcome);
        Assert.Equal(499, usage.HttpStatus);
        Assert.Equal(1, usage.OutputTokens); // one content delta was relayed
        var bodyChars = Http.Body(FakeDependencies.Model, stream: true).Length;
        Assert.Equal((bodyChars + 3) / 4, usage.InputTokens);
    }

    [Fact]
    public async Task UpstreamCut_PublishesFailedWithEstimates()
    {
        var id = NewId();
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: id, mode: "cut"),
            HttpCompletionOption.ResponseHeadersRead);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        await sse.NextEventAsync();
        await sse.NextEventAsync();
        fixture.Upstream.ReleaseGate(id);
        await sse.ReadToEndAsync();

        var usage = await ExactlyOneAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Failed, usage.Outcome);
        Assert.Equal(502, usage.HttpStatus);
        Assert.Equal(1, usage.OutputTokens);
        Assert.True(usage.InputTokens > 0);
    }

    [Fact]
    public async Task UpstreamErrorStatus_PublishesFailedWithoutTokens()
    {
        var request = Http.Chat(Http.Body(FakeDependencies.Model), simId: NewId(), mode: "error", headers: ("x-sim-status", "500"));
        using var response = await fixture.Public.SendAsync(request);
        var usage = await ExactlyOneAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Failed, usage.Outcome);
        Assert.Equal(500, usage.HttpStatus);
        Assert.Equal(0, usage.InputTokens + usage.OutputTokens);
    }

    [Fact]
    public async Task StreamWithoutUsageChunk_EstimatesInsteadOfZero()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: NewId(), mode: "no-usage"),
            HttpCompletionOption.ResponseHeadersRead);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        await sse.ReadToEndAsync();

        var usage = await ExactlyOneAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.Equal(3, usage.OutputTokens);
        Assert.True(usage.InputTokens > 0);
    }
}
