using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests.Tools;

/// <summary>Structured output (Chat response_format), Anthropic thinking blocks and OpenAI reasoning usage, raw.</summary>
public sealed class OutputModesTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Fact]
    public async Task ChatCompletionStream_JsonSchema_FragmentsRejoinToValidInstance()
    {
        var body = Wire.OpenAiBody("describe", stream: true, includeUsage: true);
        body["response_format"] = new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject { ["name"] = "thing", ["strict"] = true, ["schema"] = Schemas.Node(Schemas.Rich) },
        };

        var events = await PostStreamAsync(Wire.OpenAi(body));

        var deltas = Wire.OpenAiDeltas(events);
        Assert.True(deltas.Count >= 3);
        SchemaValidator.AssertValid(Schemas.Rich, string.Concat(deltas));
        using var usage = JsonDocument.Parse(events[^2].Data);
        Assert.Equal(deltas.Count, usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Messages_OutputConfigJsonSchema_TextIsValidInstance(bool stream)
    {
        var body = Wire.AnthropicBody("describe", stream: stream);
        body["output_config"] = new JsonObject
        {
            ["format"] = new JsonObject { ["type"] = "json_schema", ["schema"] = Schemas.Node(Schemas.Rich) },
        };

        string text;
        if (stream)
        {
            text = string.Concat(Wire.AnthropicDeltas(await PostStreamAsync(Wire.Anthropic(body))));
        }
        else
        {
            using var json = await PostJsonAsync(Wire.Anthropic(body));
            text = json.RootElement.GetProperty("content")[0].GetProperty("text").GetString()!;
        }

        SchemaValidator.AssertValid(Schemas.Rich, text);
    }

    [Fact]
    public async Task Messages_OutputFormatNotJsonSchema_400NamingTheField()
    {
        var body = Wire.AnthropicBody("describe");
        body["output_format"] = new JsonObject { ["type"] = "json_object" };

        using var response = await host.Client.SendAsync(Wire.Anthropic(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("output_format", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletion_JsonObject_ContentIsAnObject()
    {
        var body = Wire.OpenAiBody("describe in json");
        body["response_format"] = new JsonObject { ["type"] = "json_object" };

        using var json = await PostJsonAsync(Wire.OpenAi(body));

        using var content = JsonDocument.Parse(json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!);
        Assert.Equal(JsonValueKind.Object, content.RootElement.ValueKind);
        Assert.NotEmpty(content.RootElement.EnumerateObject());
    }

    [Fact]
    public async Task ChatCompletion_UnknownResponseFormat_400()
    {
        var body = Wire.OpenAiBody("x");
        body["response_format"] = new JsonObject { ["type"] = "yaml" };

        using var response = await host.Client.SendAsync(Wire.OpenAi(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"type\":\"enabled\",\"budget_tokens\":1024}")]
    [InlineData("{\"type\":\"adaptive\"}")]
    public async Task Messages_Thinking_ThinkingBlockWithSignatureFirst(string thinking)
    {
        var body = Wire.AnthropicBody("ponder [sim tokens=4]");
        body["thinking"] = JsonNode.Parse(thinking);

        using var json = await PostJsonAsync(Wire.Anthropic(body));

        var content = json.RootElement.GetProperty("content");
        Assert.Equal("thinking", content[0].GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(content[0].GetProperty("thinking").GetString()));
        Convert.FromBase64String(content[0].GetProperty("signature").GetString()!);
        Assert.Equal("text", content[1].GetProperty("type").GetString());
        // 8 thinking pieces + 4 text pieces.
        Assert.Equal(12, json.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Messages_SameThinkingRequest_SameSignature()
    {
        async Task<string> SignatureAsync()
        {
            var body = Wire.AnthropicBody("ponder");
            body["thinking"] = new JsonObject { ["type"] = "adaptive" };
            using var json = await PostJsonAsync(Wire.Anthropic(body));
            return json.RootElement.GetProperty("content")[0].GetProperty("signature").GetString()!;
        }

        Assert.Equal(await SignatureAsync(), await SignatureAsync());
    }

    [Fact]
    public async Task MessagesStream_Thinking_EventsInAnthropicOrder()
    {
        var body = Wire.AnthropicBody("ponder [sim tokens=3]", stream: true);
        body["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = 2048 };

        var events = await PostStreamAsync(Wire.Anthropic(body));

        var shape = events.Select(e =>
        {
            using var data = JsonDocument.Parse(e.Data);
            return data.RootElement.TryGetProperty("delta", out var delta) && delta.TryGetProperty("type", out var type)
                ? $"{e.Name}:{type.GetString()}"
                : e.Name!;
        }).ToList();
        string[] expected =
        [
            "message_start", "content_block_start", "ping",
            .. Enumerable.Repeat("content_block_delta:thinking_delta", 8),
            "content_block_delta:signature_delta", "content_block_stop",
            "content_block_start",
            .. Enumerable.Repeat("content_block_delta:text_delta", 3),
            "content_block_stop", "message_delta", "message_stop",
        ];
        Assert.Equal(expected, shape);
        using var start = JsonDocument.Parse(events[1].Data);
        Assert.Equal("thinking", start.RootElement.GetProperty("content_block").GetProperty("type").GetString());
        using var messageDelta = JsonDocument.Parse(events[^2].Data);
        Assert.Equal(11, messageDelta.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Theory]
    [InlineData("low", 8)]
    [InlineData("medium", 16)]
    [InlineData("none", 0)]
    public async Task ChatCompletionStream_ReasoningEffort_ReasoningTokensInUsage(string effort, int reasoning)
    {
        var body = Wire.OpenAiBody("think [sim tokens=3]", stream: true, includeUsage: true);
        body["reasoning_effort"] = effort;

        var events = await PostStreamAsync(Wire.OpenAi(body));

        Assert.Equal(3, Wire.OpenAiDeltas(events).Count);
        using var usage = JsonDocument.Parse(events[^2].Data);
        var details = usage.RootElement.GetProperty("usage");
        Assert.Equal(reasoning, details.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(3 + reasoning, details.GetProperty("completion_tokens").GetInt32());
    }

    private async Task<JsonDocument> PostJsonAsync(HttpRequestMessage request)
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Wire.ReadJsonAsync(response, deadline.Token);
    }

    private async Task<List<SseEvent>> PostStreamAsync(HttpRequestMessage request)
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(host.Client, request, deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Wire.ReadEventsAsync(response, deadline.Token);
    }
}
