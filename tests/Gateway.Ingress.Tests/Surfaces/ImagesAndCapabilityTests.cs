using System.Text.Json.Nodes;
using Gateway.Contracts;
using Gateway.Ingress.Tests.Api;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Surfaces;

/// <summary><c>POST /v1/images/generations</c> and the capability checks, against the simulator.</summary>
[Collection(SimulatorIngressCollection.Name)]
public sealed class ImagesAndCapabilityTests(SimulatorIngressFixture fixture)
{
    [Theory]
    [InlineData(SimulatorIngressFixture.ChatModel, "/v1/images/generations")]
    [InlineData(SimulatorIngressFixture.ResponsesModel, "/openai/v1/images/generations")]
    public async Task Images_OpenAiModel_RelaysImagesAndMetersTheirUsage(string model, string path)
    {
        var body = "{\"model\":\"" + model + "\",\"prompt\":\"a red square\",\"n\":2}";

        using var response = await fixture.Public.SendAsync(Http.Chat(body, path: path));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var json = JsonNode.Parse(text)!;
        Assert.Equal(2, json["data"]!.AsArray().Count);
        var usage = await fixture.Usage.WaitForAsync(Http.RequestId(response));
        Assert.Equal("openai.images", usage.Surface);
        Assert.Equal(UsageOutcome.Completed, usage.Outcome);
        Assert.False(usage.Streamed);
        Assert.Equal(json["usage"]!["input_tokens"]!.GetValue<long>(), usage.InputTokens);
        Assert.Equal(json["usage"]!["output_tokens"]!.GetValue<long>(), usage.OutputTokens);
    }

    [Fact]
    public async Task Images_AnthropicModel_400NamingModel()
    {
        var body = "{\"model\":\"" + SimulatorIngressFixture.AnthropicModel + "\",\"prompt\":\"a red square\"}";

        using var response = await fixture.Public.SendAsync(Http.Chat(body, path: "/v1/images/generations"));

        var error = await Http.AssertEnvelopeAsync(response, 400, "unsupported_capability", "invalid_request_error");
        Assert.Equal("model", error["param"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"model\":\"sim-chat\"}", "missing_required_parameter", "prompt")]
    [InlineData("{\"model\":\"sim-chat\",\"prompt\":7}", "invalid_type", "prompt")]
    [InlineData("{\"model\":\"sim-chat\",\"prompt\":\"x\",\"stream\":true}", "invalid_value", "stream")]
    public async Task Images_InvalidBody_400NamingTheField(string body, string code, string param)
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(body, path: "/v1/images/generations"));

        var error = await Http.AssertEnvelopeAsync(response, 400, code);
        Assert.Equal(param, error["param"]!.GetValue<string>());
    }

    public static TheoryData<string, string, string> ChatNeedingMissingCapability => new()
    {
        // surface path, body, the field the 400 names
        {
            "/v1/chat/completions",
            """{"model":"sim-basic","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{}}}]}""",
            "tools"
        },
        {
            "/v1/chat/completions",
            """{"model":"sim-basic","messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}""",
            "tool_choice"
        },
        {
            "/v1/chat/completions",
            """{"model":"sim-basic","messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}]}""",
            "messages"
        },
        {
            "/v1/chat/completions",
            """{"model":"sim-basic","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}""",
            "messages"
        },
        {
            "/v1/chat/completions",
            """{"model":"sim-embed-only","messages":[{"role":"user","content":"hi"}]}""",
            "model"
        },
        {
            "/v1/responses",
            """{"model":"sim-basic","input":[{"role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]}]}""",
            "input"
        },
        {
            "/v1/responses",
            """{"model":"sim-basic","input":"hi","tools":[{"type":"function","name":"f","parameters":{}}]}""",
            "tools"
        },
        {
            "/v1/embeddings",
            """{"model":"sim-basic","input":"hi"}""",
            "model"
        },
        {
            "/v1/chat/completions",
            """{"model":"sim-basic","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""",
            "response_format"
        },
        {
            "/v1/responses",
            """{"model":"sim-basic","input":"hi","text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"}}}}""",
            "text.format"
        },
    };

    [Theory]
    [MemberData(nameof(ChatNeedingMissingCapability))]
    public async Task Post_ModelLacksCapability_400NamingTheField(string path, string body, string param)
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(body, path: path));

        var error = await Http.AssertEnvelopeAsync(response, 400, "unsupported_capability", "invalid_request_error");
        Assert.Equal(param, error["param"]!.GetValue<string>());
        Assert.Equal(0, fixture.Usage.Count(Http.RequestId(response)));
    }

    [Fact]
    public async Task Messages_ModelWithoutToolsGetsToolUse_400InAnthropicEnvelope()
    {
        var body = """{"model":"sim-basic","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object"}}]}""";
        using var request = Http.Chat(body, path: "/v1/messages", headers: ("anthropic-version", "2023-06-01"));

        using var response = await fixture.Public.SendAsync(request);

        var error = await Http.AssertAnthropicEnvelopeAsync(response, 400, "invalid_request_error");
        Assert.Contains("tools", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_ModelWithoutToolsPlainRequest_Served()
    {
        var body = """{"model":"sim-basic","messages":[{"role":"user","content":"say hi"}],"tool_choice":"none","response_format":{"type":"text"}}""";

        using var response = await fixture.Public.SendAsync(Http.Chat(body));

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
