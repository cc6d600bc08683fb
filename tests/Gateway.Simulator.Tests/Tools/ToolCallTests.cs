using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests.Tools;

/// <summary>Tool calls on the Chat Completions and Messages wires, raw HTTP and SSE.</summary>
public sealed class ToolCallTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Fact]
    public async Task ChatCompletion_ForcedTool_CallsItWithSchemaValidArguments()
    {
        var body = ChatBody("hello", ("lookup", Schemas.Rich), ("weather", Schemas.Weather));
        body["tool_choice"] = new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "weather" } };

        using var json = await PostJsonAsync(Wire.OpenAi(body));

        var choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.StartsWith("call_", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("weather", call.GetProperty("function").GetProperty("name").GetString());
        SchemaValidator.AssertValid(Schemas.Weather, call.GetProperty("function").GetProperty("arguments").GetString()!);
    }

    [Theory]
    [InlineData("required", "plain question", true)]
    [InlineData("auto", "please use a tool", true)]
    [InlineData(null, "Tool, please!", true)]
    [InlineData("auto", "plain question about toolkits", false)]
    [InlineData("none", "please use a tool", false)]
    public async Task ChatCompletion_ToolChoice_CallsFirstToolOnlyWhenAskedOrRequired(string? toolChoice, string prompt, bool calls)
    {
        var body = ChatBody(prompt, ("lookup", Schemas.Rich), ("weather", Schemas.Weather));
        if (toolChoice is not null)
        {
            body["tool_choice"] = toolChoice;
        }

        using var json = await PostJsonAsync(Wire.OpenAi(body));

        var choice = json.RootElement.GetProperty("choices")[0];
        if (calls)
        {
            Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
            var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
            Assert.Equal("lookup", call.GetProperty("function").GetProperty("name").GetString());
            SchemaValidator.AssertValid(Schemas.Rich, call.GetProperty("function").GetProperty("arguments").GetString()!);
        }
        else
        {
            Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
            Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out _));
            Assert.False(string.IsNullOrEmpty(choice.GetProperty("message").GetProperty("content").GetString()));
        }
    }

    [Fact]
    public async Task ChatCompletion_DirectiveNamesTool_CallsThatTool()
    {
        var body = ChatBody("go [sim tool=weather]", ("lookup", Schemas.Rich), ("weather", Schemas.Weather));

        using var json = await PostJsonAsync(Wire.OpenAi(body));

        var call = json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("weather", call.GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ChatCompletion_DirectiveGivesArgs_CallCarriesThemVerbatim()
    {
        var body = ChatBody("go [sim tool=weather args={\"city\":\"Oslo\",\"days\":3}]", ("lookup", Schemas.Rich), ("weather", Schemas.Weather));

        using var json = await PostJsonAsync(Wire.OpenAi(body));

        var call = json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("{\"city\":\"Oslo\",\"days\":3}", call.GetProperty("function").GetProperty("arguments").GetString());
    }

    [Theory]
    [InlineData("go [sim tool=weather args=[1,2]]")]
    [InlineData("go [sim tool=weather args={oops}]")]
    public async Task ChatCompletion_DirectiveArgsNotAJsonObject_400(string prompt)
    {
        var body = ChatBody(prompt, ("weather", Schemas.Weather));

        using var response = await host.Client.SendAsync(Wire.OpenAi(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"type\":\"function\",\"function\":{\"name\":\"missing\"}}", "hi")]
    [InlineData("\"auto\"", "hi [sim tool=missing]")]
    [InlineData("\"sometimes\"", "hi")]
    public async Task ChatCompletion_UnknownOrInvalidToolChoice_400(string toolChoice, string prompt)
    {
        var body = ChatBody(prompt, ("weather", Schemas.Weather));
        body["tool_choice"] = JsonNode.Parse(toolChoice);

        using var response = await host.Client.SendAsync(Wire.OpenAi(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, CancellationToken.None);
        Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task ChatCompletionStream_ToolCall_ChunkedLikeOpenAi()
    {
        var body = ChatBody("use the tool", ("lookup", Schemas.Rich));
        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };

        var events = await PostStreamAsync(Wire.OpenAi(body));

        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events.Take(events.Count - 1).Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        var toolDeltas = chunks
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("tool_calls", out _))
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0])
            .ToList();
        var first = toolDeltas[0];
        Assert.Equal(0, first.GetProperty("index").GetInt32());
        Assert.StartsWith("call_", first.GetProperty("id").GetString());
        Assert.Equal("function", first.GetProperty("type").GetString());
        Assert.Equal("lookup", first.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("", first.GetProperty("function").GetProperty("arguments").GetString());
        var fragments = toolDeltas.Skip(1).Select(d =>
        {
            Assert.False(d.TryGetProperty("id", out _));
            Assert.Equal(0, d.GetProperty("index").GetInt32());
            return d.GetProperty("function").GetProperty("arguments").GetString()!;
        }).ToList();
        Assert.True(fragments.Count >= 3, $"{fragments.Count} fragments");
        SchemaValidator.AssertValid(Schemas.Rich, string.Concat(fragments));

        var finish = chunks.Single(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind != JsonValueKind.Null);
        Assert.Equal("tool_calls", finish.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(fragments.Count, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task ChatCompletionStream_ParallelDirective_TwoCallsIndexedZeroAndOne()
    {
        var body = ChatBody("tool time [sim tools=2]", ("lookup", Schemas.Rich), ("weather", Schemas.Weather));
        body["stream"] = true;
        body["parallel_tool_calls"] = true;

        var events = await PostStreamAsync(Wire.OpenAi(body));

        var calls = new Dictionary<int, (string Name, StringBuilder Arguments)>();
        foreach (var sse in events.Where(e => e.Data != "[DONE]"))
        {
            using var chunk = JsonDocument.Parse(sse.Data);
            var delta = chunk.RootElement.GetProperty("choices")[0].GetProperty("delta");
            if (!delta.TryGetProperty("tool_calls", out var toolCalls))
            {
                continue;
            }

            var call = toolCalls[0];
            var index = call.GetProperty("index").GetInt32();
            if (call.TryGetProperty("id", out _))
            {
                calls[index] = (call.GetProperty("function").GetProperty("name").GetString()!, new StringBuilder());
            }

            calls[index].Arguments.Append(call.GetProperty("function").GetProperty("arguments").GetString());
        }

        Assert.Equal([0, 1], calls.Keys.Order());
        Assert.Equal("lookup", calls[0].Name);
        Assert.Equal("weather", calls[1].Name);
        SchemaValidator.AssertValid(Schemas.Rich, calls[0].Arguments.ToString());
        SchemaValidator.AssertValid(Schemas.Weather, calls[1].Arguments.ToString());
    }

    [Fact]
    public async Task ChatCompletion_ToolsDirectiveAlone_CallsFromFirstTool()
    {
        var body = ChatBody("weather please [sim tools=3]", ("lookup", Schemas.Rich), ("weather", Schemas.Weather));

        using var json = await PostJsonAsync(Wire.OpenAi(body));

        var names = json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls").EnumerateArray()
            .Select(c => c.GetProperty("function").GetProperty("name").GetString()).ToList();
        Assert.Equal(["lookup", "weather", "lookup"], names);
    }

    [Fact]
    public async Task ChatCompletion_ParallelDisabled_OneCallDespiteDirective()
    {
        var body = ChatBody("tool time [sim tools=2]", ("lookup", Schemas.Rich), ("weather", Schemas.Weather));
        body["parallel_tool_calls"] = false;

        using var json = await PostJsonAsync(Wire.OpenAi(body));

        Assert.Single(json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls").EnumerateArray());
    }

    [Fact]
    public async Task ChatCompletion_LastMessageIsToolResult_AnswersWithText()
    {
        var body = ChatBody("use the tool", ("weather", Schemas.Weather));
        body["tool_choice"] = "required";
        var messages = body["messages"]!.AsArray();
        messages.Add(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = "call_1", ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = "weather", ["arguments"] = "{\"city\":\"Oslo\",\"unit\":\"c\"}" },
            }),
        });
        messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_1", ["content"] = "4 degrees" });

        using var json = await PostJsonAsync(Wire.OpenAi(body));

        var choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.False(string.IsNullOrEmpty(choice.GetProperty("message").GetProperty("content").GetString()));
    }

    [Fact]
    public async Task ChatCompletion_SameRequest_SameArguments()
    {
        async Task<string> ArgumentsAsync()
        {
            using var json = await PostJsonAsync(Wire.OpenAi(ChatBody("a tool please", ("lookup", Schemas.Rich))));
            return json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0]
                .GetProperty("function").GetProperty("arguments").GetString()!;
        }

        Assert.Equal(await ArgumentsAsync(), await ArgumentsAsync());
    }

    [Fact]
    public async Task Messages_ForcedTool_ToolUseBlockWithValidInput()
    {
        var body = MessagesBody("hello", ("lookup", Schemas.Rich), ("weather", Schemas.Weather));
        body["tool_choice"] = new JsonObject { ["type"] = "tool", ["name"] = "lookup" };

        using var json = await PostJsonAsync(Wire.Anthropic(body));

        Assert.Equal("tool_use", json.RootElement.GetProperty("stop_reason").GetString());
        var block = Assert.Single(json.RootElement.GetProperty("content").EnumerateArray());
        Assert.Equal("tool_use", block.GetProperty("type").GetString());
        Assert.StartsWith("toolu_", block.GetProperty("id").GetString());
        Assert.Equal("lookup", block.GetProperty("name").GetString());
        SchemaValidator.AssertValid(Schemas.Rich, block.GetProperty("input").GetRawText());
    }

    [Theory]
    [InlineData("any", "hi", true)]
    [InlineData("auto", "hi", false)]
    [InlineData("auto", "call a tool", true)]
    [InlineData("none", "call a tool", false)]
    public async Task Messages_ToolChoice_CallsFirstToolOnlyWhenAskedOrAny(string toolChoice, string prompt, bool calls)
    {
        var body = MessagesBody(prompt, ("weather", Schemas.Weather), ("lookup", Schemas.Rich));
        body["tool_choice"] = new JsonObject { ["type"] = toolChoice };

        using var json = await PostJsonAsync(Wire.Anthropic(body));

        Assert.Equal(calls ? "tool_use" : "end_turn", json.RootElement.GetProperty("stop_reason").GetString());
        Assert.Equal(calls ? "tool_use" : "text", json.RootElement.GetProperty("content")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task MessagesStream_ToolUse_StreamedLikeAnthropic()
    {
        var body = MessagesBody("use a tool [sim tools=2]", ("lookup", Schemas.Rich), ("weather", Schemas.Weather));
        body["stream"] = true;

        var events = await PostStreamAsync(Wire.Anthropic(body));

        var names = events.Select(e => e.Name).ToList();
        Assert.Equal("message_start", names[0]);
        Assert.Equal("content_block_start", names[1]);
        Assert.Equal("ping", names[2]);
        Assert.Equal(["message_delta", "message_stop"], names.TakeLast(2));
        var fragmentsTotal = 0;
        foreach (var (index, name, schema) in new[] { (0, "lookup", Schemas.Rich), (1, "weather", Schemas.Weather) })
        {
            var blockEvents = events.Where(e => e.Name!.StartsWith("content_block", StringComparison.Ordinal))
                .Select(e => JsonDocument.Parse(e.Data).RootElement)
                .Where(e => e.GetProperty("index").GetInt32() == index)
                .ToList();
            var start = blockEvents[0].GetProperty("content_block");
            Assert.Equal("tool_use", start.GetProperty("type").GetString());
            Assert.Equal(name, start.GetProperty("name").GetString());
            Assert.StartsWith("toolu_", start.GetProperty("id").GetString());
            Assert.Equal("{}", start.GetProperty("input").GetRawText());
            Assert.Equal("content_block_stop", blockEvents[^1].GetProperty("type").GetString());
            var fragments = blockEvents.Skip(1).SkipLast(1).Select(e =>
            {
                Assert.Equal("input_json_delta", e.GetProperty("delta").GetProperty("type").GetString());
                return e.GetProperty("delta").GetProperty("partial_json").GetString()!;
            }).ToList();
            Assert.True(fragments.Count >= 3, $"{fragments.Count} fragments");
            SchemaValidator.AssertValid(schema, string.Concat(fragments));
            fragmentsTotal += fragments.Count;
        }

        using var messageDelta = JsonDocument.Parse(events[^2].Data);
        Assert.Equal("tool_use", messageDelta.RootElement.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(fragmentsTotal, messageDelta.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Messages_LastMessageIsToolResult_AnswersWithText()
    {
        var body = MessagesBody("use the tool", ("weather", Schemas.Weather));
        var messages = body["messages"]!.AsArray();
        messages.Add(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = new JsonArray(new JsonObject
            {
                ["type"] = "tool_use", ["id"] = "toolu_1", ["name"] = "weather",
                ["input"] = new JsonObject { ["city"] = "Oslo", ["unit"] = "c" },
            }),
        });
        messages.Add(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_1", ["content"] = "4 degrees" }),
        });

        using var json = await PostJsonAsync(Wire.Anthropic(body));

        Assert.Equal("end_turn", json.RootElement.GetProperty("stop_reason").GetString());
        Assert.Equal("text", json.RootElement.GetProperty("content")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Messages_ForcedUnknownTool_400InAnthropicEnvelope()
    {
        var body = MessagesBody("hi", ("weather", Schemas.Weather));
        body["tool_choice"] = new JsonObject { ["type"] = "tool", ["name"] = "nope" };

        using var response = await host.Client.SendAsync(Wire.Anthropic(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, CancellationToken.None);
        Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    internal static JsonObject ChatBody(string prompt, params (string Name, string Schema)[] tools)
    {
        var body = Wire.OpenAiBody(prompt);
        body["tools"] = Schemas.ChatTools(tools);
        return body;
    }

    internal static JsonObject MessagesBody(string prompt, params (string Name, string Schema)[] tools)
    {
        var body = Wire.AnthropicBody(prompt);
        body["tools"] = Schemas.AnthropicTools(tools);
        return body;
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
