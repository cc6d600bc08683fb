using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests.OpenAi;

public sealed class ChatCompletionsTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Fact]
    public async Task Complete_NonStreaming_ReturnsChatCompletionObject()
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wire.OpenAi(Wire.OpenAiBody("say hi")), deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("x-request-id"));
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        var root = json.RootElement;
        Assert.StartsWith("chatcmpl-", root.GetProperty("id").GetString());
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.True(root.GetProperty("created").GetInt64() > 1_700_000_000);
        Assert.Equal("gpt-4o-mini", root.GetProperty("model").GetString());
        Assert.StartsWith("fp_", root.GetProperty("system_fingerprint").GetString());
        var choice = Assert.Single(root.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.False(string.IsNullOrWhiteSpace(choice.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("refusal").ValueKind);
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var usage = root.GetProperty("usage");
        Assert.Equal(16, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(
            usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
    }

    [Fact]
    public async Task Complete_PromptTokens_AreCeilingOfCharsOverFour()
    {
        // "You are terse." (14) + "abcdefghij" (10) = 24 chars => 6 tokens; "abcdefghijk" => 25 chars => 7 tokens.
        using var deadline = Wire.Deadline();
        using var ten = await host.Client.SendAsync(Wire.OpenAi(Wire.OpenAiBody("abcdefghij")), deadline.Token);
        using var eleven = await host.Client.SendAsync(Wire.OpenAi(Wire.OpenAiBody("abcdefghijk")), deadline.Token);

        using var tenJson = await Wire.ReadJsonAsync(ten, deadline.Token);
        using var elevenJson = await Wire.ReadJsonAsync(eleven, deadline.Token);
        Assert.Equal(6, tenJson.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(7, elevenJson.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_SendsRoleDeltasFinishUsageThenDone()
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wire.OpenAi(Wire.OpenAiBody("say hi", stream: true, includeUsage: true)), deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await Wire.ReadEventsAsync(response, deadline.Token);

        Assert.All(events, e => Assert.Null(e.Name));
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.Take(events.Count - 1).Select(e => JsonDocument.Parse(e.Data)).ToList();
        var ids = chunks.Select(c => c.RootElement.GetProperty("id").GetString()).Distinct().ToList();
        Assert.Single(ids);
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.RootElement.GetProperty("object").GetString()));

        var first = chunks[0].RootElement.GetProperty("choices")[0];
        Assert.Equal("assistant", first.GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("finish_reason").ValueKind);

        var usageChunk = chunks[^1].RootElement;
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        var finish = chunks[^2].RootElement.GetProperty("choices")[0];
        Assert.Equal("stop", finish.GetProperty("finish_reason").GetString());
        Assert.Empty(finish.GetProperty("delta").EnumerateObject());

        // Every chunk but the usage chunk carries "usage": null, as OpenAI does with include_usage.
        Assert.All(chunks.Take(chunks.Count - 1), c => Assert.Equal(JsonValueKind.Null, c.RootElement.GetProperty("usage").ValueKind));

        var deltas = Wire.OpenAiDeltas(events);
        Assert.Equal(16, deltas.Count);
        var usage = usageChunk.GetProperty("usage");
        Assert.Equal(deltas.Count, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(
            usage.GetProperty("prompt_tokens").GetInt32() + deltas.Count,
            usage.GetProperty("total_tokens").GetInt32());
        chunks.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_SendsNoUsageChunk()
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wire.OpenAi(Wire.OpenAiBody("say hi", stream: true)), deadline.Token);
        var events = await Wire.ReadEventsAsync(response, deadline.Token);

        Assert.Equal("[DONE]", events[^1].Data);
        foreach (var sse in events.Take(events.Count - 1))
        {
            using var chunk = JsonDocument.Parse(sse.Data);
            Assert.Equal(1, chunk.RootElement.GetProperty("choices").GetArrayLength());
            Assert.False(chunk.RootElement.TryGetProperty("usage", out _));
        }

        using var last = JsonDocument.Parse(events[^2].Data);
        Assert.Equal("stop", last.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Stream_SameRequestTwice_SameContentAsNonStreaming()
    {
        using var deadline = Wire.Deadline();
        var streamed1 = await StreamTextAsync("determinism please", deadline.Token);
        var streamed2 = await StreamTextAsync("determinism please", deadline.Token);
        using var response = await host.Client.SendAsync(Wire.OpenAi(Wire.OpenAiBody("determinism please")), deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal(streamed1, streamed2);
        Assert.Equal(streamed1, json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Complete_DifferentPromptOrModel_DifferentContent()
    {
        using var deadline = Wire.Deadline();
        var a = await CompleteTextAsync(Wire.OpenAiBody("first prompt"), deadline.Token);
        var b = await CompleteTextAsync(Wire.OpenAiBody("second prompt"), deadline.Token);
        var c = await CompleteTextAsync(Wire.OpenAiBody("first prompt", model: "gpt-other"), deadline.Token);

        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData("max_tokens")]
    [InlineData("max_completion_tokens")]
    public async Task Stream_MaxTokensBelowPlanned_CapsDeltasWithFinishReasonLength(string field)
    {
        var body = Wire.OpenAiBody("cap me", stream: true, includeUsage: true);
        body[field] = 5;
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(host.Client, Wire.OpenAi(body), deadline.Token);
        var events = await Wire.ReadEventsAsync(response, deadline.Token);

        Assert.Equal(5, Wire.OpenAiDeltas(events).Count);
        using var finish = JsonDocument.Parse(events[^3].Data);
        Assert.Equal("length", finish.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        using var usage = JsonDocument.Parse(events[^2].Data);
        Assert.Equal(5, usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Complete_MaxTokensAbovePlanned_FinishReasonStop()
    {
        var body = Wire.OpenAiBody("no cap");
        body["max_tokens"] = 100;
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wire.OpenAi(body), deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal("stop", json.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(16, json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Complete_CappedAnswer_IsPrefixOfFullAnswer()
    {
        var capped = Wire.OpenAiBody("prefix property");
        capped["max_tokens"] = 4;
        using var deadline = Wire.Deadline();
        var full = await CompleteTextAsync(Wire.OpenAiBody("prefix property"), deadline.Token);
        var prefix = await CompleteTextAsync(capped, deadline.Token);

        Assert.StartsWith(prefix, full);
        Assert.True(prefix.Length < full.Length);
    }

    [Fact]
    public async Task Complete_StopSequenceInAnswer_CutsBeforeItWithFinishReasonStop()
    {
        using var deadline = Wire.Deadline();
        var full = await CompleteTextAsync(Wire.OpenAiBody("stop sequences"), deadline.Token);
        var words = full.Split(' ');
        var stop = " " + words[words.Length / 2];
        var body = Wire.OpenAiBody("stop sequences");
        body["stop"] = new JsonArray("never-produced", stop);

        using var response = await host.Client.SendAsync(Wire.OpenAi(body), deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        var choice = json.RootElement.GetProperty("choices")[0];
        var text = choice.GetProperty("message").GetProperty("content").GetString()!;

        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], text);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.True(json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32() < 16);
    }

    [Theory]
    [InlineData("{not json", "We could not parse")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", "model")]
    [InlineData("""{"model":"m"}""", "messages")]
    [InlineData("""{"model":"m","messages":[]}""", "messages")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"}""", "stream")]
    public async Task Complete_InvalidBody_Returns400InOpenAiEnvelope(string body, string expectedInMessage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", Wire.OpenAiKey);
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains(expectedInMessage, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
    }

    private async Task<string> StreamTextAsync(string prompt, CancellationToken cancellationToken)
    {
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wire.OpenAi(Wire.OpenAiBody(prompt, stream: true)), cancellationToken);
        return string.Concat(Wire.OpenAiDeltas(await Wire.ReadEventsAsync(response, cancellationToken)));
    }

    private async Task<string> CompleteTextAsync(JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await host.Client.SendAsync(Wire.OpenAi(body), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, cancellationToken);
        return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }
}
