using System.Text.Json;
using static Gateway.Translation.Tests.Requests.RequestFixtures;

namespace Gateway.Translation.Tests.Requests;

/// <summary>The mapping rules of TRANSLATION_DESIGN.md, one by one, on the written JSON.</summary>
public sealed class RequestMappingTests
{
    [Theory]
    [InlineData("openai7-node-chat-tools.json")]
    [InlineData("openai-dotnet-chat-tools.json")]
    public void Write_ChatToolRoundTripToAnthropic_ToolUseAndToolResultKeepTheCallId(string file)
    {
        using var source = JsonDocument.Parse(Body(file, 1));
        var call = source.RootElement.GetProperty("messages")[1].GetProperty("tool_calls")[0];
        var request = Parse(Wire.OpenAiChat, Body(file, 1));

        var body = Write(request, Wire.AnthropicMessages);

        var messages = body.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        var toolUse = messages[1].GetProperty("content")[0];
        Assert.Equal("assistant", messages[1].GetProperty("role").GetString());
        Assert.Equal("tool_use", toolUse.GetProperty("type").GetString());
        Assert.Equal(call.GetProperty("id").GetString(), toolUse.GetProperty("id").GetString());
        Assert.Equal("get_weather", toolUse.GetProperty("name").GetString());
        AssertSameJson(call.GetProperty("function").GetProperty("arguments").GetString()!, toolUse.GetProperty("input").GetRawText());
        var result = messages[2].GetProperty("content")[0];
        Assert.Equal("user", messages[2].GetProperty("role").GetString());
        Assert.Equal("tool_result", result.GetProperty("type").GetString());
        Assert.Equal(call.GetProperty("id").GetString(), result.GetProperty("tool_use_id").GetString());
        Assert.Equal("""{"temp":20}""", result.GetProperty("content").GetString());
        Assert.Equal(RequestTranslator.DefaultAnthropicMaxTokens, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal("get_weather", body.GetProperty("tools")[0].GetProperty("name").GetString());
        Assert.Equal("object", body.GetProperty("tools")[0].GetProperty("input_schema").GetProperty("type").GetString());
    }

    [Fact]
    public void Write_AnthropicToolRoundTripToChat_ToolCallsAndToolMessage()
    {
        var request = Parse(Wire.AnthropicMessages, Body("anthropic-node-tools.json", 1));

        var body = Write(request, Wire.OpenAiChat);

        var messages = body.GetProperty("messages");
        Assert.Equal(["user", "assistant", "tool"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()!));
        Assert.Equal("I will use a tool.", messages[1].GetProperty("content").GetString());
        var call = messages[1].GetProperty("tool_calls")[0];
        Assert.Equal("toolu_WO0boVeDKL6M0s19NgJyzLkw", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        AssertSameJson("""{"city":"hi"}""", call.GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("toolu_WO0boVeDKL6M0s19NgJyzLkw", messages[2].GetProperty("tool_call_id").GetString());
        Assert.Equal("20C", messages[2].GetProperty("content").GetString());
        Assert.Equal(200, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public void Write_AnthropicToolRoundTripToResponses_FunctionCallAndOutputItems()
    {
        var request = Parse(Wire.AnthropicMessages, Body("anthropic-node-tools.json", 1));

        var body = Write(request, Wire.OpenAiResponses);

        var input = body.GetProperty("input");
        Assert.Equal(["message", "message", "function_call", "function_call_output"],
            input.EnumerateArray().Select(i => i.GetProperty("type").GetString()!));
        Assert.Equal("output_text", input[1].GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal("toolu_WO0boVeDKL6M0s19NgJyzLkw", input[2].GetProperty("call_id").GetString());
        Assert.Equal("get_weather", input[2].GetProperty("name").GetString());
        Assert.Equal("toolu_WO0boVeDKL6M0s19NgJyzLkw", input[3].GetProperty("call_id").GetString());
        Assert.Equal("20C", input[3].GetProperty("output").GetString());
        Assert.False(body.GetProperty("tools")[0].GetProperty("strict").GetBoolean());
    }

    [Fact]
    public void Write_ResponsesFunctionCallItem_CallIdIsTheToolCallId()
    {
        var request = Parse(Wire.OpenAiResponses, Body("openai7-node-responses-tools.json", 1));

        var anthropic = Write(request, Wire.AnthropicMessages);
        var chat = Write(request, Wire.OpenAiChat);

        var toolUse = anthropic.GetProperty("messages")[1].GetProperty("content")[0];
        Assert.Equal("call_HDjLWG2P-S5hj8mJ0q8uoba1", toolUse.GetProperty("id").GetString());
        AssertSameJson("""{"city":"hi","unit":"c"}""", toolUse.GetProperty("input").GetRawText());
        Assert.Equal("call_HDjLWG2P-S5hj8mJ0q8uoba1", anthropic.GetProperty("messages")[2].GetProperty("content")[0].GetProperty("tool_use_id").GetString());
        Assert.Equal("call_HDjLWG2P-S5hj8mJ0q8uoba1", chat.GetProperty("messages")[1].GetProperty("tool_calls")[0].GetProperty("id").GetString());
        Assert.Equal("call_HDjLWG2P-S5hj8mJ0q8uoba1", chat.GetProperty("messages")[2].GetProperty("tool_call_id").GetString());
    }

    [Fact]
    public void Write_ToolCallIds_SurviveEveryWireAndBack()
    {
        var request = Parse(Wire.OpenAiChat, Body("openai7-node-chat-tools.json", 1));
        var ids = new List<string>();
        foreach (var (first, second) in new[] { (Wire.AnthropicMessages, Wire.OpenAiResponses), (Wire.OpenAiResponses, Wire.AnthropicMessages) })
        {
            var viaFirst = Parse(first, WriteBytes(request, first));
            var viaSecond = Parse(second, WriteBytes(viaFirst, second));
            var back = Parse(Wire.OpenAiChat, WriteBytes(viaSecond, Wire.OpenAiChat));
            ids.AddRange(back.Messages.SelectMany(m => m.Parts).OfType<ToolCallPart>().Select(c => c.Id));
            ids.AddRange(back.Messages.SelectMany(m => m.Parts).OfType<ToolResultPart>().Select(r => r.CallId));
            Assert.Equal(RecordedRequestTests.Flatten(request, false), RecordedRequestTests.Flatten(back, false));
        }

        Assert.All(ids, id => Assert.Equal("call_Qi41_J36G4LQbaKFWao7sI0d", id));
        Assert.Equal(4, ids.Count);
    }

    [Fact]
    public void Write_CodexNamespaceTools_FlattenedNamesAndBindings()
    {
        var request = Parse(Wire.OpenAiResponses, Body("codex-exec-say-hi.json", 0));

        var body = Write(request, Wire.AnthropicMessages, out var context);

        var names = body.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToList();
        Assert.Contains("multi_agent_v1__spawn_agent", names);
        Assert.Contains("exec_command", names);
        Assert.DoesNotContain(names, n => n.Contains("web_search", StringComparison.Ordinal));
        Assert.Equal(new ToolBinding("multi_agent_v1__spawn_agent", "spawn_agent", ClientToolKind.Function, "multi_agent_v1"),
            context.Tools["multi_agent_v1__spawn_agent"]);
        Assert.Equal(new ToolBinding("exec_command", "exec_command", ClientToolKind.Function), context.Tools["exec_command"]);
        Assert.Equal(names.Count, context.Tools.Count);
        Assert.StartsWith("You are a coding agent", body.GetProperty("system")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("auto", body.GetProperty("tool_choice").GetProperty("type").GetString());
        Assert.False(body.GetProperty("tool_choice").TryGetProperty("disable_parallel_tool_use", out _));
        Assert.True(request.Stream);
        Assert.True(context.ClientStream);
    }

    private const string CodexCustomTools = """
        {"model":"gpt-5","stream":true,"input":[
          {"type":"additional_tools","role":"developer","tools":[
            {"type":"custom","name":"apply_patch","description":"Edit files.","format":{"type":"grammar","syntax":"lark","definition":"start: patch"}},
            {"type":"namespace","name":"ns","description":"d","tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"a":{"type":"string"}}}}]},
            {"type":"web_search"}]},
          {"type":"message","role":"user","content":[{"type":"input_text","text":"patch it"}]},
          {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"I should patch."}],"encrypted_content":"SIG-abc"},
          {"type":"custom_tool_call","id":"ctc_1","call_id":"call_patch","name":"apply_patch","input":"*** Begin Patch\n\"x\"\n*** End Patch"},
          {"type":"custom_tool_call_output","call_id":"call_patch","output":"Done!"},
          {"type":"function_call","id":"fc_2","call_id":"call_ns","name":"f","namespace":"ns","arguments":"{\"a\":\"b\"}"},
          {"type":"function_call_output","call_id":"call_ns","output":"ok"}]}
        """;

    [Fact]
    public void TryParse_CodexAdditionalToolsItem_CustomAndNamespaceToolsOffered()
    {
        var request = Parse(Wire.OpenAiResponses, CodexCustomTools);

        Assert.Equal(["apply_patch", "ns__f"], request.Tools.Select(t => t.UpstreamName));
        Assert.Equal(ClientToolKind.Custom, request.Tools[0].Kind);
        Assert.Contains("start: patch", request.Tools[0].Description, StringComparison.Ordinal);
        Assert.True(request.UsesTools);
    }

    [Fact]
    public void Write_CustomToolTowardChat_FunctionWithInputStringAndCustomBinding()
    {
        var request = Parse(Wire.OpenAiResponses, CodexCustomTools);

        var body = Write(request, Wire.OpenAiChat, out var context);

        var tool = body.GetProperty("tools")[0].GetProperty("function");
        Assert.Equal("apply_patch", tool.GetProperty("name").GetString());
        Assert.Equal("string", tool.GetProperty("parameters").GetProperty("properties").GetProperty("input").GetProperty("type").GetString());
        Assert.Equal(new ToolBinding("apply_patch", "apply_patch", ClientToolKind.Custom), context.Tools["apply_patch"]);
        Assert.Equal(new ToolBinding("ns__f", "f", ClientToolKind.Function, "ns"), context.Tools["ns__f"]);

        var messages = body.GetProperty("messages");
        Assert.Equal(["user", "assistant", "tool", "assistant", "tool"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()!));
        var call = messages[1].GetProperty("tool_calls")[0];
        Assert.Equal("call_patch", call.GetProperty("id").GetString());
        using var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("*** Begin Patch\n\"x\"\n*** End Patch", arguments.RootElement.GetProperty("input").GetString());
        Assert.Equal("Done!", messages[2].GetProperty("content").GetString());
        Assert.Equal("ns__f", messages[3].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("call_ns", messages[4].GetProperty("tool_call_id").GetString());
        Assert.DoesNotContain("I should patch.", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ReasoningItemTowardAnthropic_ThinkingBlockWithSignatureFirst()
    {
        var request = Parse(Wire.OpenAiResponses, CodexCustomTools);

        var body = Write(request, Wire.AnthropicMessages);

        var assistant = body.GetProperty("messages")[1];
        Assert.Equal("assistant", assistant.GetProperty("role").GetString());
        var thinking = assistant.GetProperty("content")[0];
        Assert.Equal("thinking", thinking.GetProperty("type").GetString());
        Assert.Equal("I should patch.", thinking.GetProperty("thinking").GetString());
        Assert.Equal("SIG-abc", thinking.GetProperty("signature").GetString());
        Assert.Equal("tool_use", assistant.GetProperty("content")[1].GetProperty("type").GetString());
        Assert.Equal("call_patch", assistant.GetProperty("content")[1].GetProperty("id").GetString());
    }

    [Fact]
    public void Write_AnthropicThinkingBlocks_KeptOnlyTowardAnthropic()
    {
        const string json = """
            {"model":"claude","max_tokens":4000,"thinking":{"type":"enabled","budget_tokens":2000},"messages":[
              {"role":"user","content":"q"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig1"},{"type":"redacted_thinking","data":"xyz"},
                {"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"r"}]}]}],
             "tools":[{"name":"f","input_schema":{"type":"object"}}]}
            """;
        var request = Parse(Wire.AnthropicMessages, json);

        var chat = Write(request, Wire.OpenAiChat);
        var responses = Write(request, Wire.OpenAiResponses);
        var back = Parse(Wire.AnthropicMessages, WriteBytes(Parse(Wire.AnthropicMessages, json), Wire.AnthropicMessages));

        Assert.DoesNotContain("sig1", chat.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("hmm", responses.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("low", chat.GetProperty("reasoning_effort").GetString());
        Assert.Equal(
            [new ThinkingPart("hmm", "sig1"), new RedactedThinkingPart("xyz")],
            back.Messages[1].Parts.Take(2));
        Assert.Equal(2000, back.ThinkingBudget);
    }

    [Theory]
    [InlineData("high", 5000, 4999)]
    [InlineData("low", null, 2048)]
    [InlineData("high", null, 8191)]
    [InlineData("minimal", 3000, 1024)]
    public void Write_ReasoningEffortTowardAnthropic_ThinkingBudgetClamped(string effort, int? maxTokens, int budget)
    {
        var max = maxTokens is { } m ? $",\"max_completion_tokens\":{m}" : string.Empty;
        var request = Parse(Wire.OpenAiChat, $$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"{{effort}}","temperature":0.5{{max}}}""");

        var body = Write(request, Wire.AnthropicMessages);

        Assert.Equal("enabled", body.GetProperty("thinking").GetProperty("type").GetString());
        Assert.Equal(budget, body.GetProperty("thinking").GetProperty("budget_tokens").GetInt32());
        Assert.True(budget < body.GetProperty("max_tokens").GetInt32());
        Assert.False(body.TryGetProperty("temperature", out _));
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"high","max_completion_tokens":1000}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"none"}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"high","tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}""")]
    [InlineData("""{"model":"m","reasoning_effort":"high","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"r"}]}""")]
    public void Write_ThinkingImpossibleTowardAnthropic_NoThinking(string json)
    {
        var body = Write(Parse(Wire.OpenAiChat, json), Wire.AnthropicMessages);

        Assert.False(body.TryGetProperty("thinking", out _));
    }

    [Fact]
    public void Write_ClaudeCodeTowardChat_SystemEffortAndMidConversationSystem()
    {
        var request = Parse(Wire.AnthropicMessages, Body("claude-code-p-say-hi-quiet-env.json", 1));

        var body = Write(request, Wire.OpenAiChat);

        Assert.Equal(ThinkingMode.Adaptive, request.Thinking);
        Assert.StartsWith("{\"device_id\"", request.User, StringComparison.Ordinal);
        var messages = body.GetProperty("messages");
        Assert.Equal(["system", "user", "system"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()!));
        Assert.Contains(messages[0].GetProperty("content").EnumerateArray(),
            p => p.GetProperty("text").GetString() == "You are a Claude agent, built on Anthropic's Claude Agent SDK.");
        Assert.StartsWith("Available agent types", messages[2].GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal("high", body.GetProperty("reasoning_effort").GetString());
        Assert.Equal(64000, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal(24, body.GetProperty("tools").GetArrayLength());
        Assert.False(body.TryGetProperty("user", out _));
    }

    [Fact]
    public void Write_MidConversationSystemTowardAnthropic_UserTextBlockAtItsPosition()
    {
        var request = Parse(Wire.OpenAiChat, """
            {"model":"m","messages":[{"role":"system","content":"Top."},{"role":"user","content":"a"},{"role":"assistant","content":"b"},
              {"role":"developer","content":"Be brief now."},{"role":"user","content":"c"}]}
            """);

        var body = Write(request, Wire.AnthropicMessages);

        Assert.Equal("Top.", Assert.Single(body.GetProperty("system").EnumerateArray()).GetProperty("text").GetString());
        var last = body.GetProperty("messages")[2];
        Assert.Equal("user", last.GetProperty("role").GetString());
        Assert.Equal(["System: Be brief now.", "c"], last.GetProperty("content").EnumerateArray().Select(b => b.GetProperty("text").GetString()!));
    }

    [Fact]
    public void Write_ConsecutiveSameRoleTowardAnthropic_Merged()
    {
        var request = Parse(Wire.OpenAiChat, """
            {"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"assistant","content":"c"},{"role":"assistant","content":"d"}]}
            """);

        var messages = Write(request, Wire.AnthropicMessages).GetProperty("messages");

        Assert.Equal(2, messages.GetArrayLength());
        Assert.Equal(2, messages[0].GetProperty("content").GetArrayLength());
        Assert.Equal(2, messages[1].GetProperty("content").GetArrayLength());
    }

    [Fact]
    public void Write_ToolResultsAndTextInOneUserTurnToChat_ToolMessagesThenUser()
    {
        var request = Parse(Wire.AnthropicMessages, """
            {"model":"m","max_tokens":100,"messages":[{"role":"user","content":"q"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}},{"type":"tool_use","id":"t2","name":"f","input":{}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"one"},{"type":"tool_result","tool_use_id":"t2","is_error":true,"content":"boom"},
                {"type":"text","text":"go on"}]}]}
            """);

        var messages = Write(request, Wire.OpenAiChat).GetProperty("messages");

        Assert.Equal(["user", "assistant", "tool", "tool", "user"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()!));
        Assert.Equal("t2", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("Error: boom", messages[3].GetProperty("content").GetString());
        Assert.Equal("go on", messages[4].GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, messages[1].GetProperty("content").ValueKind);
    }

    [Fact]
    public void Write_ImagesBetweenWires_DataUrlAndBase64Source()
    {
        var chat = Parse(Wire.OpenAiChat, """
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR","detail":"low"}},
              {"type":"image_url","image_url":{"url":"https://example.com/a.jpg"}}]}]}
            """);
        var anthropic = Parse(Wire.AnthropicMessages, """
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4"}}]}]}
            """);

        var toAnthropic = Write(chat, Wire.AnthropicMessages).GetProperty("messages")[0].GetProperty("content");
        var toResponses = Write(chat, Wire.OpenAiResponses).GetProperty("input")[0].GetProperty("content");
        var toChat = Write(anthropic, Wire.OpenAiChat).GetProperty("messages")[0].GetProperty("content");

        Assert.True(chat.UsesImages);
        var base64 = toAnthropic[1].GetProperty("source");
        Assert.Equal("base64", base64.GetProperty("type").GetString());
        Assert.Equal("image/png", base64.GetProperty("media_type").GetString());
        Assert.Equal("iVBOR", base64.GetProperty("data").GetString());
        Assert.Equal("https://example.com/a.jpg", toAnthropic[2].GetProperty("source").GetProperty("url").GetString());
        Assert.Equal("input_image", toResponses[1].GetProperty("type").GetString());
        Assert.Equal("low", toResponses[1].GetProperty("detail").GetString());
        Assert.Equal("data:image/jpeg;base64,/9j/4", toChat[0].GetProperty("image_url").GetProperty("url").GetString());
    }

    [Fact]
    public void Write_ToolResultWithImageToChat_ImageFollowsInUserMessage()
    {
        var request = Parse(Wire.AnthropicMessages, """
            {"model":"m","max_tokens":100,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"shot","input":{}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"here"},{"type":"image","source":{"type":"url","url":"https://x/s.png"}}]}]}]}
            """);

        var messages = Write(request, Wire.OpenAiChat).GetProperty("messages");
        var responses = Write(request, Wire.OpenAiResponses).GetProperty("input");

        Assert.True(request.UsesImages);
        Assert.Equal("here", messages[2].GetProperty("content").GetString());
        Assert.Equal("user", messages[3].GetProperty("role").GetString());
        Assert.Equal("https://x/s.png", messages[3].GetProperty("content")[0].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("input_image", responses[2].GetProperty("output")[1].GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("openai7-node-chat-json-schema.json")]
    [InlineData("openai-dotnet-chat-json-schema.json")]
    public void Write_JsonSchemaFormat_ResponsesTextFormatAndAnthropicOutputConfigFormat(string file)
    {
        var request = Parse(Wire.OpenAiChat, Body(file, 0));

        var responses = Write(request, Wire.OpenAiResponses);
        var anthropic = Write(request, Wire.AnthropicMessages);

        var format = responses.GetProperty("text").GetProperty("format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("person", format.GetProperty("name").GetString());
        Assert.True(format.GetProperty("strict").GetBoolean());
        Assert.Equal(["name", "age"], format.GetProperty("schema").GetProperty("required").EnumerateArray().Select(r => r.GetString()!));

        // Anthropic's native structured output carries the schema; no instruction is added to the system prompt.
        var anthropicFormat = anthropic.GetProperty("output_config").GetProperty("format");
        Assert.Equal("json_schema", anthropicFormat.GetProperty("type").GetString());
        Assert.Equal(["name", "age"], anthropicFormat.GetProperty("schema").GetProperty("required").EnumerateArray().Select(r => r.GetString()!));
        Assert.False(anthropic.TryGetProperty("system", out var system)
            && system.EnumerateArray().Any(b => b.GetProperty("text").GetString()!.Contains("JSON", StringComparison.Ordinal)));
    }

    [Fact]
    public void Write_JsonObjectFormatTowardAnthropic_InstructionIsTheSystemPromptsLastBlock()
    {
        var request = Parse(Wire.OpenAiChat, """
            {"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}
            """u8.ToArray());

        var anthropic = Write(request, Wire.AnthropicMessages);

        var system = anthropic.GetProperty("system");
        Assert.Equal("Be brief.", system[0].GetProperty("text").GetString());
        Assert.Contains("JSON object", system[system.GetArrayLength() - 1].GetProperty("text").GetString()!, StringComparison.Ordinal);
        Assert.False(anthropic.TryGetProperty("output_config", out _));
    }

    [Fact]
    public void Write_OptionsTowardAnthropic_StopToolChoiceParallelUserMapped()
    {
        var request = Parse(Wire.OpenAiChat, """
            {"model":"m","messages":[{"role":"user","content":"hi"}],"stop":"END","user":"u-1","temperature":1.7,"top_p":0.5,
             "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"f"}},"parallel_tool_calls":false}
            """);

        var body = Write(request, Wire.AnthropicMessages);

        Assert.Equal(["END"], body.GetProperty("stop_sequences").EnumerateArray().Select(s => s.GetString()!));
        Assert.Equal("u-1", body.GetProperty("metadata").GetProperty("user_id").GetString());
        Assert.Equal(1, body.GetProperty("temperature").GetDouble());
        Assert.False(body.TryGetProperty("top_p", out _));
        var choice = body.GetProperty("tool_choice");
        Assert.Equal("tool", choice.GetProperty("type").GetString());
        Assert.Equal("f", choice.GetProperty("name").GetString());
        Assert.True(choice.GetProperty("disable_parallel_tool_use").GetBoolean());
        AssertSameJson("""{"type":"object","properties":{}}""", body.GetProperty("tools")[0].GetProperty("input_schema").GetRawText());
    }

    [Fact]
    public void Write_AnthropicOptionsTowardOpenAi_ToolChoiceAnyStopAndParallelMapped()
    {
        var request = Parse(Wire.AnthropicMessages, """
            {"model":"m","max_tokens":50,"stop_sequences":["a","b"],"metadata":{"user_id":"u"},"messages":[{"role":"user","content":"hi"}],
             "tools":[{"name":"f","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search"}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true}}
            """);

        var chat = Write(request, Wire.OpenAiChat);
        var responses = Write(request, Wire.OpenAiResponses);

        Assert.Single(request.Tools);
        Assert.Equal("required", chat.GetProperty("tool_choice").GetString());
        Assert.False(chat.GetProperty("parallel_tool_calls").GetBoolean());
        Assert.Equal(["a", "b"], chat.GetProperty("stop").EnumerateArray().Select(s => s.GetString()!));
        Assert.Equal("u", chat.GetProperty("user").GetString());
        Assert.Equal("required", responses.GetProperty("tool_choice").GetString());
        Assert.False(responses.TryGetProperty("stop", out _));
    }

    [Theory]
    [InlineData(Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}""", true, true)]
    [InlineData(Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}""", true, false)]
    [InlineData(Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":"hi"}]}""", false, false)]
    [InlineData(Wire.AnthropicMessages, """{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", false, true)]
    [InlineData(Wire.OpenAiResponses, """{"model":"m","input":"hi","stream":true}""", true, true)]
    public void Write_AnyClient_ContextCarriesStreamAndUsageFlags(Wire wire, string json, bool stream, bool includeUsage)
    {
        var request = Parse(wire, json);
        foreach (var upstream in Enum.GetValues<Wire>())
        {
            var body = Write(request, upstream, out var context);

            Assert.Equal(stream, context.ClientStream);
            Assert.Equal(includeUsage, context.IncludeUsage);
            Assert.Equal("m", context.ClientModel);
            Assert.True(body.GetProperty("stream").GetBoolean());
        }
    }

    [Fact]
    public void TryParse_HostedToolsOnly_DroppedWithoutError()
    {
        var request = Parse(Wire.OpenAiResponses, """
            {"model":"m","input":[{"role":"user","content":"hi"},{"type":"web_search_call","id":"ws_1","status":"completed"}],
             "tools":[{"type":"web_search"},{"type":"file_search","vector_store_ids":["v"]},{"type":"image_generation"}],"tool_choice":{"type":"web_search"}}
            """);

        var body = Write(request, Wire.OpenAiChat);

        Assert.Empty(request.Tools);
        Assert.False(request.UsesTools);
        Assert.False(body.TryGetProperty("tools", out _));
        Assert.False(body.TryGetProperty("tool_choice", out _));
    }

    [Fact]
    public void TryParse_ResponsesStringInputAndInstructions_SystemAndUser()
    {
        var request = Parse(Wire.OpenAiResponses, Body("openai7-node-responses.json", 0));

        var anthropic = Write(request, Wire.AnthropicMessages);

        Assert.Equal("Be terse", Assert.Single(request.System).Text);
        Assert.Equal("low", request.ReasoningEffort);
        Assert.Equal("Be terse", anthropic.GetProperty("system")[0].GetProperty("text").GetString());
        Assert.Equal("say hi", anthropic.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(2048, anthropic.GetProperty("thinking").GetProperty("budget_tokens").GetInt32());
    }

    [Fact]
    public void Write_NonAsciiText_WrittenAsUtf8()
    {
        var request = Parse(Wire.OpenAiChat, """{"model":"m","messages":[{"role":"user","content":"héllo <b> & 日本"}]}""");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();

        RequestTranslator.Write(request, Wire.AnthropicMessages, "m", "r", buffer);

        Assert.Contains("héllo <b> & 日本", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan), StringComparison.Ordinal);
    }
    [Fact]
    public void Write_SystemBetweenToolCallAndResultToChat_WrittenAfterTheToolMessages()
    {
        var request = Parse(Wire.AnthropicMessages, """
            {"model":"m","max_tokens":100,"messages":[{"role":"user","content":"q"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},
              {"role":"system","content":"Reminder."},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"r"}]}]}
            """);

        var chat = Write(request, Wire.OpenAiChat).GetProperty("messages");
        var anthropic = Write(request, Wire.AnthropicMessages).GetProperty("messages");

        Assert.Equal(["user", "assistant", "tool", "system"], chat.EnumerateArray().Select(m => m.GetProperty("role").GetString()!));
        Assert.Equal("Reminder.", chat[3].GetProperty("content").GetString());
        Assert.Equal(["tool_result", "text"], anthropic[2].GetProperty("content").EnumerateArray().Select(b => b.GetProperty("type").GetString()!));
        Assert.Equal("System: Reminder.", anthropic[2].GetProperty("content")[1].GetProperty("text").GetString());
    }

    [Fact]
    public void Write_OpenAiEncryptedReasoningTowardAnthropic_Dropped()
    {
        var request = Parse(Wire.OpenAiResponses, """
            {"model":"m","reasoning":{"effort":"high"},"input":[{"role":"user","content":"q"},
              {"type":"reasoning","summary":[{"type":"summary_text","text":"thought"}],"encrypted_content":"gAAAAABoOpenAiFernet"},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"a"}]},
              {"role":"user","content":"again"}]}
            """);

        var body = Write(request, Wire.AnthropicMessages);

        Assert.DoesNotContain("gAAAAABoOpenAiFernet", body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("text", body.GetProperty("messages")[1].GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal(8191, body.GetProperty("thinking").GetProperty("budget_tokens").GetInt32());
    }
    [Fact]
    public void Write_SchemaWithoutTypeTowardAnthropic_TypeObjectAdded()
    {
        var request = Parse(Wire.OpenAiChat, """
            {"model":"m","messages":[{"role":"user","content":"hi"}],
             "tools":[{"type":"function","function":{"name":"f","parameters":{"properties":{"a":{"type":"string"}},"required":["a"]}}}]}
            """);

        var schema = Write(request, Wire.AnthropicMessages).GetProperty("tools")[0].GetProperty("input_schema");

        AssertSameJson("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}""", schema.GetRawText());
    }

    [Fact]
    public void Write_AnthropicMaxEffortTowardOpenAi_HighEffort()
    {
        var request = Parse(Wire.AnthropicMessages, """
            {"model":"m","max_tokens":100,"thinking":{"type":"adaptive"},"output_config":{"effort":"max"},"messages":[{"role":"user","content":"hi"}]}
            """);

        Assert.Equal("high", Write(request, Wire.OpenAiChat).GetProperty("reasoning_effort").GetString());
        Assert.Equal("high", Write(request, Wire.OpenAiResponses).GetProperty("reasoning").GetProperty("effort").GetString());
    }
    [Fact]
    public void Write_ConversationOpeningWithAssistantTowardAnthropic_UserTurnFirst()
    {
        var request = Parse(Wire.OpenAiChat, """
            {"model":"m","messages":[{"role":"system","content":"s"},{"role":"assistant","content":"Hello! How can I help?"},{"role":"user","content":"hi"}]}
            """);

        var messages = Write(request, Wire.AnthropicMessages).GetProperty("messages");

        Assert.Equal(["user", "assistant", "user"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()!));
        Assert.Equal("Hello! How can I help?", messages[1].GetProperty("content")[0].GetProperty("text").GetString());
    }
    [Theory]
    [InlineData(5, 16)]
    [InlineData(50, 50)]
    public void Write_MaxTokensTowardResponses_AtLeastSixteen(int maxTokens, int written)
    {
        var request = Parse(Wire.OpenAiChat, $$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":{{maxTokens}}}""");

        Assert.Equal(written, Write(request, Wire.OpenAiResponses).GetProperty("max_output_tokens").GetInt32());
        Assert.Equal(maxTokens, Write(request, Wire.AnthropicMessages).GetProperty("max_tokens").GetInt32());
    }
}
