using static Gateway.Translation.Tests.Requests.RequestFixtures;

namespace Gateway.Translation.Tests.Requests;

/// <summary>Invalid client requests give a 400 naming the field as a JSON path.</summary>
public sealed class RequestValidationTests
{
    private const string ChatUser = """{"role":"user","content":"hi"}""";
    private const string Tool = """{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}""";

    public static TheoryData<Wire, string, string> Invalid() => new()
    {
        // OpenAI Chat
        { Wire.OpenAiChat, """{"messages":[{"role":"user","content":"hi"}]}""", "model" },
        { Wire.OpenAiChat, """{"model":"","messages":[{"role":"user","content":"hi"}]}""", "model" },
        { Wire.OpenAiChat, """{"model":"m"}""", "messages" },
        { Wire.OpenAiChat, """{"model":"m","messages":{}}""", "messages" },
        { Wire.OpenAiChat, """{"model":"m","messages":[]}""", "messages" },
        { Wire.OpenAiChat, """{"model":"m","messages":[{"role":"system","content":"only a prompt"}]}""", "messages" },
        { Wire.OpenAiChat, """{"model":"m","messages":["hi"]}""", "messages[0]" },
        { Wire.OpenAiChat, """{"model":"m","messages":[{"role":"bot","content":"hi"}]}""", "messages[0].role" },
        { Wire.OpenAiChat, """{"model":"m","messages":[{"content":"hi"}]}""", "messages[0].role" },
        { Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":5}]}""", "messages[0].content" },
        { Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user"}]}""", "messages[0].content" },
        { Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":[{"type":"video","video":{}}]}]}""", "messages[0].content[0].type" },
        { Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA","format":"wav"}}]}]}""", "messages[0].content[0].type" },
        { Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}""", "messages[0].content[0].image_url.url" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}},{"role":"function","name":"f","content":"x"}]}""", "messages[1].role" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}},{"role":"tool","content":"x"}]}""", "messages[1].tool_call_id" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}},{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}]}""", "messages[1].tool_calls[0].id" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"n":2}""", "n" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"temperature":"hot"}""", "temperature" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"temperature":3}""", "temperature" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"max_tokens":0}""", "max_tokens" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"stream":"yes"}""", "stream" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"stop":[1]}""", "stop[0]" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"reasoning_effort":"extreme"}""", "reasoning_effort" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"tool_choice":"required"}""", "tool_choice" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"tools":[{{{{Tool}}}}],"tool_choice":{"type":"function","function":{"name":"other"}}}""", "tool_choice" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"tools":[{{{{Tool}}}}],"tool_choice":"sometimes"}""", "tool_choice" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"tools":[{"type":"function","function":{"description":"no name"}}]}""", "tools[0].function.name" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"functions":[{"name":"f"}]}""", "functions" },
        { Wire.OpenAiChat, $$$$"""{"model":"m","messages":[{{{{ChatUser}}}}],"response_format":{"type":"xml"}}""", "response_format.type" },
        { Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"schema":{}}}}""", "response_format.json_schema.name" },

        // Anthropic Messages
        { Wire.AnthropicMessages, """{"model":"m","messages":[{"role":"user","content":"hi"}]}""", "max_tokens" },
        { Wire.AnthropicMessages, """{"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""", "model" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"messages":[]}""", "messages" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"messages":[{"role":"tool","content":"hi"}]}""", "messages[0].role" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"video"}]}]}""", "messages[0].content[0].type" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]}]}""", "messages[0].content[0].type" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}""", "messages[0].content[0].type" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}""", "messages[0].content[0].source.type" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]}""", "messages[0].content[0].tool_use_id" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":"x"}]}]}""", "messages[1].content[0].input" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"system":[{"type":"image"}],"messages":[{"role":"user","content":"hi"}]}""", "system[0].type" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"system":7,"messages":[{"role":"user","content":"hi"}]}""", "system" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":2000,"thinking":{"type":"enabled","budget_tokens":500},"messages":[{"role":"user","content":"hi"}]}""", "thinking.budget_tokens" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":2000,"thinking":{"type":"enabled","budget_tokens":4000},"messages":[{"role":"user","content":"hi"}]}""", "thinking.budget_tokens" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":2000,"thinking":{"type":"sometimes"},"messages":[{"role":"user","content":"hi"}]}""", "thinking.type" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"tool_choice":{"type":"any"},"messages":[{"role":"user","content":"hi"}]}""", "tool_choice" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"g"},"messages":[{"role":"user","content":"hi"}]}""", "tool_choice" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"}]}""", "tools[0].input_schema" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"output_config":{"effort":"extreme"},"messages":[{"role":"user","content":"hi"}]}""", "output_config.effort" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"temperature":1.5,"messages":[{"role":"user","content":"hi"}]}""", "temperature" },
        { Wire.AnthropicMessages, """{"model":"m","max_tokens":10,"metadata":{"user_id":5},"messages":[{"role":"user","content":"hi"}]}""", "metadata.user_id" },

        // OpenAI Responses
        { Wire.OpenAiResponses, """{"model":"m"}""", "input" },
        { Wire.OpenAiResponses, """{"input":"hi"}""", "model" },
        { Wire.OpenAiResponses, """{"model":"m","input":[]}""", "input" },
        { Wire.OpenAiResponses, """{"model":"m","input":7}""", "input" },
        { Wire.OpenAiResponses, """{"model":"m","input":[{"role":"robot","content":"hi"}]}""", "input[0].role" },
        { Wire.OpenAiResponses, """{"model":"m","input":[{"type":"bogus"}]}""", "input[0].type" },
        { Wire.OpenAiResponses, """{"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]}""", "input[0].content[0].type" },
        { Wire.OpenAiResponses, """{"model":"m","input":[{"role":"user","content":[{"type":"input_video"}]}]}""", "input[0].content[0].type" },
        { Wire.OpenAiResponses, """{"model":"m","input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]}""", "input[0].content[0].file_id" },
        { Wire.OpenAiResponses, """{"model":"m","input":[{"role":"user","content":"hi"},{"type":"function_call","name":"f","arguments":"{}"}]}""", "input[1].call_id" },
        { Wire.OpenAiResponses, """{"model":"m","input":[{"role":"user","content":"hi"},{"type":"function_call_output","call_id":"c"}]}""", "input[1].output" },
        { Wire.OpenAiResponses, """{"model":"m","input":"hi","previous_response_id":"resp_1"}""", "previous_response_id" },
        { Wire.OpenAiResponses, """{"model":"m","input":"hi","reasoning":{"effort":"extreme"}}""", "reasoning.effort" },
        { Wire.OpenAiResponses, """{"model":"m","input":"hi","text":{"format":{"type":"yaml"}}}""", "text.format.type" },
        { Wire.OpenAiResponses, """{"model":"m","input":"hi","tool_choice":"required","tools":[{"type":"web_search"}]}""", "tool_choice" },
        { Wire.OpenAiResponses, """{"model":"m","input":"hi","tool_choice":{"type":"function","name":"g"},"tools":[{"type":"function","name":"f"}]}""", "tool_choice" },
        { Wire.OpenAiResponses, """{"model":"m","input":"hi","tools":[{"type":"namespace","name":"ns"}]}""", "tools[0].tools" },
        { Wire.OpenAiResponses, """{"model":"m","input":"hi","max_output_tokens":-1}""", "max_output_tokens" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void TryParse_InvalidRequest_400NamingTheField(Wire wire, string body, string param)
    {
        var error = ParseError(wire, body);

        Assert.Equal(400, error.Status);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Equal(param, error.Param);
        Assert.Contains($"'{param}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Wire.OpenAiChat)]
    [InlineData(Wire.AnthropicMessages)]
    [InlineData(Wire.OpenAiResponses)]
    public void TryParse_InvalidJson_400InvalidJson(Wire wire)
    {
        var error = ParseError(wire, """{"model":"m","messages":[""");

        Assert.Equal(400, error.Status);
        Assert.Equal("invalid_json", error.Code);
        Assert.Null(error.Param);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}]} {}""")]
    public void TryParse_NotOneJsonObject_400(string body)
    {
        var error = ParseError(Wire.OpenAiChat, body);

        Assert.Equal(400, error.Status);
        Assert.Null(error.Param);
    }

    [Theory]
    [InlineData(Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":"hi","x_extra":1}],"x_vendor":{"a":[1]},"logprobs":false,"seed":3,"store":true}""")]
    [InlineData(Wire.AnthropicMessages, """{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"top_k":3,"context_management":{"edits":[]},"service_tier":"auto"}""")]
    [InlineData(Wire.OpenAiResponses, """{"model":"m","input":"hi","store":false,"include":["reasoning.encrypted_content"],"prompt_cache_key":"k","truncation":"auto","metadata":{"a":"b"}}""")]
    public void TryParse_UnknownExtraFields_Accepted(Wire wire, string body)
    {
        var request = Parse(wire, body);

        Assert.Equal("m", request.Model);
        Assert.Single(request.Messages);
    }
}
