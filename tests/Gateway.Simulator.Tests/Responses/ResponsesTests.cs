using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Simulator.Tests.Infrastructure;
using Gateway.Simulator.Tests.Tools;
using OpenAI.Responses;

namespace Gateway.Simulator.Tests.Responses;

#pragma warning disable OPENAI001 // The Responses client is marked experimental in the SDK.

/// <summary>The OpenAI Responses wire: raw HTTP and SSE, and the official .NET SDK's ResponsesClient.</summary>
public sealed class ResponsesTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Fact]
    public async Task Create_StringInput_CompletedMessageWithUsage()
    {
        var body = new JsonObject { ["model"] = "gpt-5", ["instructions"] = "Be terse.", ["input"] = "say hi [sim tokens=6]" };

        using var json = await PostJsonAsync(body);

        var root = json.RootElement;
        Assert.Equal("response", root.GetProperty("object").GetString());
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.StartsWith("resp_", root.GetProperty("id").GetString());
        var item = Assert.Single(root.GetProperty("output").EnumerateArray());
        Assert.Equal("message", item.GetProperty("type").GetString());
        Assert.StartsWith("msg_", item.GetProperty("id").GetString());
        Assert.Equal("assistant", item.GetProperty("role").GetString());
        Assert.Equal("completed", item.GetProperty("status").GetString());
        var part = Assert.Single(item.GetProperty("content").EnumerateArray());
        Assert.Equal("output_text", part.GetProperty("type").GetString());
        Assert.Equal(0, part.GetProperty("annotations").GetArrayLength());
        Assert.False(string.IsNullOrWhiteSpace(part.GetProperty("text").GetString()));
        var usage = root.GetProperty("usage");
        Assert.Equal(6, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("input_tokens").GetInt32() + 6, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Create_SameConversationAsChat_SameText()
    {
        var responses = new JsonObject { ["model"] = "gpt-4o-mini", ["instructions"] = "You are terse.", ["input"] = "say hi" };
        using var chatResponse = await host.Client.SendAsync(Wire.OpenAi(Wire.OpenAiBody("say hi")));
        using var chat = await Wire.ReadJsonAsync(chatResponse, CancellationToken.None);

        using var json = await PostJsonAsync(responses);

        Assert.Equal(
            chat.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            json.RootElement.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task CreateStream_Text_FullEventSequenceWithSequenceNumbers()
    {
        var body = new JsonObject { ["model"] = "gpt-5", ["input"] = "say hi [sim tokens=4]", ["stream"] = true };

        var events = await PostStreamAsync(body);

        string[] expected =
        [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
        ];
        Assert.Equal(expected, events.Select(e => e.Name));
        var data = events.Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        for (var i = 0; i < data.Count; i++)
        {
            Assert.Equal(events[i].Name, data[i].GetProperty("type").GetString());
            Assert.Equal(i, data[i].GetProperty("sequence_number").GetInt32());
        }

        var text = string.Concat(data.Where(d => d.GetProperty("type").GetString() == "response.output_text.delta").Select(d => d.GetProperty("delta").GetString()));
        Assert.Equal(text, data[8].GetProperty("text").GetString());
        Assert.Equal(text, data[9].GetProperty("part").GetProperty("text").GetString());
        Assert.Equal("completed", data[10].GetProperty("item").GetProperty("status").GetString());
        var completed = data[^1].GetProperty("response");
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(text, completed.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(4, completed.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(JsonValueKind.Null, data[0].GetProperty("response").GetProperty("usage").ValueKind);
    }

    [Fact]
    public async Task CreateStream_ForcedFunction_ArgumentsStreamedAndValid()
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-5",
            ["input"] = "go",
            ["stream"] = true,
            ["tools"] = new JsonArray(
                new JsonObject { ["type"] = "custom", ["name"] = "apply_patch" },
                new JsonObject { ["type"] = "namespace", ["name"] = "ns", ["tools"] = new JsonArray(new JsonObject { ["type"] = "function", ["name"] = "inner" }) },
                new JsonObject { ["type"] = "web_search" },
                new JsonObject { ["type"] = "function", ["name"] = "lookup", ["parameters"] = Schemas.Node(Schemas.Rich) }),
            ["tool_choice"] = new JsonObject { ["type"] = "function", ["name"] = "lookup" },
        };

        var events = await PostStreamAsync(body);

        var names = events.Select(e => e.Name).ToList();
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added"], names.Take(3));
        Assert.Equal(["response.function_call_arguments.done", "response.output_item.done", "response.completed"], names.TakeLast(3));
        var data = events.Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        var added = data[2].GetProperty("item");
        Assert.Equal("function_call", added.GetProperty("type").GetString());
        Assert.Equal("", added.GetProperty("arguments").GetString());
        Assert.StartsWith("fc_", added.GetProperty("id").GetString());
        Assert.StartsWith("call_", added.GetProperty("call_id").GetString());
        var fragments = data.Where(d => d.GetProperty("type").GetString() == "response.function_call_arguments.delta").Select(d => d.GetProperty("delta").GetString()).ToList();
        Assert.True(fragments.Count >= 3);
        var arguments = string.Concat(fragments);
        SchemaValidator.AssertValid(Schemas.Rich, arguments);
        Assert.Equal(arguments, data[^3].GetProperty("arguments").GetString());
        var done = data[^2].GetProperty("item");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(arguments, done.GetProperty("arguments").GetString());
        Assert.Equal(fragments.Count, data[^1].GetProperty("response").GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Create_AdditionalToolsItem_ToolsOfferedAndCalled()
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-5",
            ["input"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "additional_tools",
                    ["role"] = "developer",
                    ["tools"] = new JsonArray(
                        new JsonObject { ["type"] = "custom", ["name"] = "exec" },
                        new JsonObject { ["type"] = "function", ["name"] = "weather", ["parameters"] = Schemas.Node(Schemas.Weather) }),
                },
                new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = "use a tool" }) }),
        };

        using var json = await PostJsonAsync(body);

        var call = Assert.Single(json.RootElement.GetProperty("output").EnumerateArray());
        Assert.Equal("function_call", call.GetProperty("type").GetString());
        Assert.Equal("weather", call.GetProperty("name").GetString());
        Assert.Equal("completed", call.GetProperty("status").GetString());
        SchemaValidator.AssertValid(Schemas.Weather, call.GetProperty("arguments").GetString()!);
    }

    [Fact]
    public async Task Create_FunctionCallOutputLast_AnswersWithText()
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-5",
            ["tools"] = new JsonArray(new JsonObject { ["type"] = "function", ["name"] = "lookup", ["parameters"] = Schemas.Node(Schemas.Weather) }),
            ["tool_choice"] = "required",
            ["input"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = "use the tool" },
                new JsonObject { ["type"] = "function_call", ["id"] = "fc_1", ["call_id"] = "call_1", ["name"] = "lookup", ["arguments"] = "{}" },
                new JsonObject { ["type"] = "function_call_output", ["call_id"] = "call_1", ["output"] = "sunny" }),
        };

        using var json = await PostJsonAsync(body);

        Assert.Equal("message", json.RootElement.GetProperty("output")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Create_MaxOutputTokensCut_Incomplete()
    {
        var body = new JsonObject { ["model"] = "gpt-5", ["input"] = "long [sim tokens=10]", ["max_output_tokens"] = 3 };

        using var json = await PostJsonAsync(body);

        Assert.Equal("incomplete", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("max_output_tokens", json.RootElement.GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Theory]
    [InlineData("{\"model\":\"m\"}", "input")]
    [InlineData("{\"model\":\"m\",\"input\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", "input[0].role")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"stream\":\"yes\"}", "stream")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":{\"type\":\"function\",\"name\":\"none_such\"}}", "tool_choice")]
    public async Task Create_BadInput_400InOpenAiEnvelopeNamingTheField(string body, string param)
    {
        using var request = Request(JsonNode.Parse(body)!);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, CancellationToken.None);
        Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(param, json.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("status:429")]
    [InlineData("status:503")]
    public async Task Create_StatusFault_OpenAiEnvelope(string fault)
    {
        using var request = Request(new JsonObject { ["model"] = "m", ["input"] = $"x [sim fault={fault}]" });

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(int.Parse(fault[7..], System.Globalization.CultureInfo.InvariantCulture), (int)response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, CancellationToken.None);
        Assert.True(json.RootElement.GetProperty("error").TryGetProperty("message", out _));
    }

    [Fact]
    public async Task CreateStream_DropFault_AbortsBeforeCompleted()
    {
        using var request = Request(new JsonObject { ["model"] = "m", ["input"] = "x [sim fault=drop:2 tokens=5]", ["stream"] = true });
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(host.Client, request, deadline.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
        var reader = new SseReader(stream);
        var received = new List<SseEvent>();

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            while (await reader.ReadAsync(deadline.Token) is { } next)
            {
                received.Add(next);
            }
        });

        Assert.Equal(2, received.Count(e => e.Name == "response.output_text.delta"));
        Assert.DoesNotContain(received, e => e.Name == "response.completed");
    }

    [Fact]
    public async Task Sdk_CreateResponse_ParsesTextAndReasoningUsage()
    {
        using var deadline = Wire.Deadline();
        var options = new CreateResponseOptions("gpt-5", [ResponseItem.CreateUserMessageItem("say hi [sim tokens=5]")])
        {
            ReasoningOptions = new ResponseReasoningOptions { ReasoningEffortLevel = ResponseReasoningEffortLevel.Low },
        };

        ResponseResult result = await Client().CreateResponseAsync(options, deadline.Token);

        Assert.Equal(ResponseStatus.Completed, result.Status);
        Assert.False(string.IsNullOrWhiteSpace(result.GetOutputText()));
        Assert.Equal(8, result.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Equal(5 + 8, result.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task Sdk_FunctionRoundTrip_CallThenText()
    {
        using var deadline = Wire.Deadline();
        var client = Client();
        var tool = ResponseTool.CreateFunctionTool("lookup", BinaryData.FromString(Schemas.Rich), strictModeEnabled: false, functionDescription: "test");
        List<ResponseItem> input = [ResponseItem.CreateUserMessageItem("use the tool")];
        var first = await client.CreateResponseAsync(new CreateResponseOptions("gpt-5", input) { Tools = { tool } }, deadline.Token);

        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(first.Value.OutputItems));
        Assert.Equal("lookup", call.FunctionName);
        SchemaValidator.AssertValid(Schemas.Rich, call.FunctionArguments.ToString());

        input.Add(call);
        input.Add(ResponseItem.CreateFunctionCallOutputItem(call.CallId, "{\"ok\":true}"));
        var second = await client.CreateResponseAsync(new CreateResponseOptions("gpt-5", input) { Tools = { tool } }, deadline.Token);

        Assert.False(string.IsNullOrWhiteSpace(second.Value.GetOutputText()));
    }

    [Fact]
    public async Task Sdk_CreateResponseStreaming_CollectsDeltasAndCompletedUsage()
    {
        using var deadline = Wire.Deadline();
        var options = new CreateResponseOptions("gpt-5", [ResponseItem.CreateUserMessageItem("say hi [sim tokens=7]")]) { StreamingEnabled = true };
        var text = new StringBuilder();
        ResponseResult? completed = null;

        await foreach (var update in await Client().CreateResponseStreamingAsync(options, deadline.Token))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
            else if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.NotNull(completed);
        Assert.Equal(text.ToString(), completed.GetOutputText());
        Assert.Equal(7, completed.Usage.OutputTokenCount);
    }

    private ResponsesClient Client() => new(
        new ApiKeyCredential(Wire.OpenAiKey),
        new ResponsesClientOptions { Endpoint = new Uri(host.BaseAddress, "/v1"), NetworkTimeout = Wire.Timeout });

    private static HttpRequestMessage Request(JsonNode body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Wire.OpenAiKey);
        return request;
    }

    private async Task<JsonDocument> PostJsonAsync(JsonNode body)
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Request(body), deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Wire.ReadJsonAsync(response, deadline.Token);
    }

    private async Task<List<SseEvent>> PostStreamAsync(JsonNode body)
    {
        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(host.Client, Request(body), deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Wire.ReadEventsAsync(response, deadline.Token);
    }
}
