using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Contracts;
using Gateway.Ingress.Tests.Api;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Surfaces;

/// <summary>
/// The recorded requests of Codex CLI (<c>/v1/responses</c>) and Claude Code (<c>/v1/messages?beta=true</c>) replayed
/// against models on every upstream wire: a CLI's <c>--model</c> may name any model the gateway routes, and the
/// answer must carry the events the CLI needs (Codex: <c>response.output_item.done</c> and <c>response.completed</c>;
/// Claude Code: <c>message_start</c>, <c>content_block_stop</c> per block, <c>message_delta</c>, <c>message_stop</c>).
/// </summary>
[Collection(SimulatorIngressCollection.Name)]
public sealed class RecordedClientReplayTests(SimulatorIngressFixture fixture)
{
    private static JsonObject Recorded(string file, string pathSuffix)
    {
        var recording = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file)))!.AsArray();
        return recording.Single(r => r!["method"]!.GetValue<string>() == "POST"
            && r["path"]!.GetValue<string>().EndsWith(pathSuffix, StringComparison.Ordinal))!["body"]!.AsObject();
    }

    private static HttpRequestMessage Post(string path, JsonObject body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FakeDependencies.ValidKey);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private async Task<List<(string? Name, string Data)>> StreamAsync(HttpRequestMessage request)
    {
        using var response = await fixture.Public.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var (events, aborted) = await sse.ReadToEndAsync();
        Assert.False(aborted, sse.All.ToString());
        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.True(usage.InputTokens > 0 && usage.OutputTokens > 0);
        return events.Select(WireClient.Parse).ToList();
    }

    [Theory]
    [InlineData(SimulatorIngressFixture.AnthropicModel)]
    [InlineData(SimulatorIngressFixture.ChatModel)]
    [InlineData(SimulatorIngressFixture.ResponsesModel)]
    public async Task CodexExec_AnyUpstreamWire_StreamEndsWithItemDoneAndCompleted(string model)
    {
        var body = Recorded("codex-exec-say-hi.json", "/responses");
        body["model"] = model;

        var events = await StreamAsync(Post("/v1/responses", body, ("accept", "text/event-stream"), ("originator", "codex_exec")));

        var names = events.Select(e => e.Name).ToList();
        Assert.Equal("response.created", names[0]);
        Assert.Equal("response.completed", names[^1]);
        Assert.Contains("response.output_item.done", names);
        var text = string.Concat(events.Where(e => e.Name == "response.output_text.delta")
            .Select(e => JsonNode.Parse(e.Data)!["delta"]!.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(text));
    }

    [Theory]
    [InlineData(SimulatorIngressFixture.ChatModel)]
    [InlineData(SimulatorIngressFixture.ResponsesModel)]
    [InlineData(SimulatorIngressFixture.AnthropicModel)]
    public async Task ClaudeCode_AnyUpstreamWire_StreamHasEveryEventClaudeCodeNeeds(string model)
    {
        var body = Recorded("claude-code-p-say-hi-quiet-env.json", "/messages");
        body["model"] = model;

        var events = await StreamAsync(Post("/v1/messages?beta=true", body, ("anthropic-version", "2023-06-01"),
            ("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14"), ("x-app", "cli")));

        var types = events.Where(e => e.Data.Length > 0).Select(e => JsonNode.Parse(e.Data)!["type"]!.GetValue<string>()).ToList();
        Assert.Equal("message_start", types[0]);
        Assert.Equal("message_stop", types[^1]);
        Assert.Contains("message_delta", types);
        Assert.Equal(types.Count(t => t == "content_block_start"), types.Count(t => t == "content_block_stop"));
        Assert.Contains("content_block_delta", types);
    }

    [Theory]
    [InlineData(SimulatorIngressFixture.ChatModel)]
    [InlineData(SimulatorIngressFixture.ResponsesModel)]
    public async Task ClaudeCode_NonStreamingFallback_WholeMessage(string model)
    {
        var body = Recorded("claude-code-p-say-hi-quiet-env.json", "/messages");
        body["model"] = model;
        body["stream"] = false;

        using var response = await fixture.Public.SendAsync(Post("/v1/messages?beta=true", body, ("anthropic-version", "2023-06-01")));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var message = JsonNode.Parse(text)!;
        Assert.Equal("message", message["type"]!.GetValue<string>());
        Assert.Equal(model, message["model"]!.GetValue<string>());
        Assert.Contains(message["content"]!.AsArray(), b => b!["type"]!.GetValue<string>() == "text");
    }
}
