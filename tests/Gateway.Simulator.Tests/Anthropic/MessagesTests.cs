using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests.Anthropic;

public sealed class MessagesTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Fact]
    public async Task Create_NonStreaming_ReturnsMessageObject()
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wire.Anthropic(Wire.AnthropicBody("say hi")), deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("request-id"));
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        var root = json.RootElement;
        Assert.StartsWith("msg_", root.GetProperty("id").GetString());
        Assert.Equal("message", root.GetProperty("type").GetString());
        Assert.Equal("assistant", root.GetProperty("role").GetString());
        Assert.Equal("claude-sonnet-4-5", root.GetProperty("model").GetString());
        var block = Assert.Single(root.GetProperty("content").EnumerateArray());
        Assert.Equal("text", block.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(block.GetProperty("text").GetString()));
        Assert.Equal("end_turn", root.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("stop_sequence").ValueKind);
        var usage = root.GetProperty("usage");
        Assert.Equal(16, usage.GetProperty("output_tokens").GetInt32());
        Assert.True(usage.GetProperty("input_tokens").GetInt32() >= 1);
        Assert.Equal(0, usage.GetProperty("cache_creation_input_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("cache_read_input_tokens").GetInt32());
    }

    [Fact]
    public async Task Create_Stream_SendsEventsInAnthropicOrder()
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wire.Anthropic(Wire.AnthropicBody("say hi", stream: true)), deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await Wire.ReadEventsAsync(response, deadline.Token);
        var names = events.Select(e => e.Name).ToList();

        Assert.Equal(
            ["message_start", "content_block_start", "ping", .. Enumerable.Repeat("content_block_delta", 16), "content_block_stop", "message_delta", "message_stop"],
            names);
        foreach (var sse in events)
        {
            // Each data payload is JSON whose "type" repeats the event name.
            using var data = JsonDocument.Parse(sse.Data);
            Assert.Equal(sse.Name, data.RootElement.GetProperty("type").GetString());
        }

        using var start = JsonDocument.Parse(events[0].Data);
        var message = start.RootElement.GetProperty("message");
        Assert.StartsWith("msg_", message.GetProperty("id").GetString());
        Assert.Empty(message.GetProperty("content").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("stop_reason").ValueKind);
        Assert.True(message.GetProperty("usage").GetProperty("input_tokens").GetInt32() >= 1);
        Assert.True(message.GetProperty("usage").GetProperty("output_tokens").GetInt32() <= 1);

        using var blockStart = JsonDocument.Parse(events[1].Data);
        Assert.Equal("text", blockStart.RootElement.GetProperty("content_block").GetProperty("type").GetString());
        Assert.Equal(0, blockStart.RootElement.GetProperty("index").GetInt32());

        using var delta = JsonDocument.Parse(events[3].Data);
        Assert.Equal("text_delta", delta.RootElement.GetProperty("delta").GetProperty("type").GetString());

        using var messageDelta = JsonDocument.Parse(events[^2].Data);
        Assert.Equal("end_turn", messageDelta.RootElement.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(16, messageDelta.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Create_StreamAndNonStream_SameTextAndUsage()
    {
        using var deadline = Wire.Deadline();
        using var streamed = await Wire.SendStreamingAsync(
            host.Client, Wire.Anthropic(Wire.AnthropicBody("same answer", stream: true)), deadline.Token);
        var events = await Wire.ReadEventsAsync(streamed, deadline.Token);
        using var complete = await host.Client.SendAsync(Wire.Anthropic(Wire.AnthropicBody("same answer")), deadline.Token);
        using var json = await Wire.ReadJsonAsync(complete, deadline.Token);

        var deltas = Wire.AnthropicDeltas(events);
        Assert.Equal(json.RootElement.GetProperty("content")[0].GetProperty("text").GetString(), string.Concat(deltas));
        using var start = JsonDocument.Parse(events[0].Data);
        Assert.Equal(
            json.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt32(),
            start.RootElement.GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt32());
        using var messageDelta = JsonDocument.Parse(events[^2].Data);
        Assert.Equal(deltas.Count, messageDelta.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Create_SamePromptViaOpenAiWire_SameText()
    {
        // The answer depends on model and message text only, so a gateway translating between wires keeps it.
        var openAi = Wire.OpenAiBody("cross wire", model: "shared-model");
        var anthropic = Wire.AnthropicBody("cross wire", model: "shared-model");
        using var deadline = Wire.Deadline();
        using var openAiResponse = await host.Client.SendAsync(Wire.OpenAi(openAi), deadline.Token);
        using var anthropicResponse = await host.Client.SendAsync(Wire.Anthropic(anthropic), deadline.Token);
        using var openAiJson = await Wire.ReadJsonAsync(openAiResponse, deadline.Token);
        using var anthropicJson = await Wire.ReadJsonAsync(anthropicResponse, deadline.Token);

        Assert.Equal(
            openAiJson.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            anthropicJson.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(
            openAiJson.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(),
            anthropicJson.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task Create_MaxTokensBelowPlanned_StopReasonMaxTokens()
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(
            host.Client, Wire.Anthropic(Wire.AnthropicBody("cap", stream: true, maxTokens: 3)), deadline.Token);
        var events = await Wire.ReadEventsAsync(response, deadline.Token);

        Assert.Equal(3, Wire.AnthropicDeltas(events).Count);
        using var messageDelta = JsonDocument.Parse(events[^2].Data);
        Assert.Equal("max_tokens", messageDelta.RootElement.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(3, messageDelta.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Create_StopSequenceInAnswer_StopReasonStopSequence()
    {
        using var deadline = Wire.Deadline();
        using var fullResponse = await host.Client.SendAsync(Wire.Anthropic(Wire.AnthropicBody("stop here")), deadline.Token);
        using var fullJson = await Wire.ReadJsonAsync(fullResponse, deadline.Token);
        var full = fullJson.RootElement.GetProperty("content")[0].GetProperty("text").GetString()!;
        var words = full.Split(' ');
        var stop = " " + words[words.Length / 2];
        var body = Wire.AnthropicBody("stop here");
        body["stop_sequences"] = new JsonArray(stop);

        using var response = await host.Client.SendAsync(Wire.Anthropic(body), deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal("stop_sequence", json.RootElement.GetProperty("stop_reason").GetString());
        Assert.Equal(stop, json.RootElement.GetProperty("stop_sequence").GetString());
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], json.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Create_BetaQueryAndBearerAuth_Accepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages?beta=true")
        {
            Content = new StringContent(Wire.AnthropicBody("beta").ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", "sk-ant-bearer");
        request.Headers.TryAddWithoutValidation("anthropic-version", "2026-10-21");
        request.Headers.TryAddWithoutValidation("anthropic-beta", "interleaved-thinking-2025-05-14,unknown-beta-2099-01-01");
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Create_SystemTextBlocksAndContentBlocks_CountedAsInput()
    {
        // system "0123456789" (10) + user blocks "abcd" + "efgh" (8) = 18 chars => 5 tokens.
        var body = new JsonObject
        {
            ["model"] = "m",
            ["max_tokens"] = 5,
            ["system"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "0123456789", ["cache_control"] = new JsonObject { ["type"] = "ephemeral" } }),
            ["messages"] = new JsonArray(new JsonObject
            {
                ["role"] = "user",
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "text", ["text"] = "abcd" },
                    new JsonObject { ["type"] = "text", ["text"] = "efgh" }),
            }),
        };
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wire.Anthropic(body), deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal(5, json.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task CountTokens_Body_MatchesMessagesInputTokens()
    {
        var body = Wire.AnthropicBody("count me please");
        using var deadline = Wire.Deadline();
        using var message = await host.Client.SendAsync(Wire.Anthropic(body), deadline.Token);
        using var messageJson = await Wire.ReadJsonAsync(message, deadline.Token);
        body.Remove("max_tokens");
        using var request = Wire.Anthropic(body);
        request.RequestUri = new Uri("/v1/messages/count_tokens", UriKind.Relative);
        using var count = await host.Client.SendAsync(request, deadline.Token);
        using var countJson = await Wire.ReadJsonAsync(count, deadline.Token);

        Assert.Equal(HttpStatusCode.OK, count.StatusCode);
        Assert.Equal(
            messageJson.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt32(),
            countJson.RootElement.GetProperty("input_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}]}""", "max_tokens")]
    [InlineData("""{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}""", "model")]
    [InlineData("""{"model":"m","max_tokens":5}""", "messages")]
    [InlineData("""{"model":"m","max_tokens":-1,"messages":[{"role":"user","content":"x"}]}""", "max_tokens")]
    [InlineData("[1,2]", "object")]
    public async Task Create_InvalidBody_Returns400InAnthropicEnvelope(string body, string expectedInMessage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("x-api-key", Wire.AnthropicKey);
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(expectedInMessage, json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Create_WithoutAnthropicVersion_Returns400()
    {
        using var request = Wire.Anthropic(Wire.AnthropicBody("x"));
        request.Headers.Remove("anthropic-version");
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        Assert.Contains("anthropic-version", json.RootElement.GetProperty("error").GetProperty("message").GetString());
    }
}
