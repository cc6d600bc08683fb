using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Translation.Tests.Streaming;

public sealed class StreamTranslatorTests
{
    private const string AnthropicCachedUsage =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_up\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":50,\"cache_read_input_tokens\":100,\"output_tokens\":1}}}\n\n"
        + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi \\\"there\\\" \\u00e9\\n\"}}\n\n"
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":20}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    private const string ChatCachedReasoning =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"reasoning_content\":\"think\"},\"finish_reason\":null}]}\n\n"
        + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"answer\"},\"finish_reason\":null}]}\n\n"
        + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
        + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\",\"choices\":[],\"usage\":{\"prompt_tokens\":200,\"completion_tokens\":30,\"total_tokens\":230,\"prompt_tokens_details\":{\"cached_tokens\":150},\"completion_tokens_details\":{\"reasoning_tokens\":12}}}\n\n"
        + "data: [DONE]\n\n";

    [Fact]
    public void Usage_AnthropicUpstreamWithCache_GatewayConventionAndEachClientsConvention()
    {
        var r = Runner.Run(Runner.Ctx(Wire.OpenAiChat, Wire.AnthropicMessages), AnthropicCachedUsage, Chunking.OneByte);
        Assert.Equal(TranslateStatus.Completed, r.Status);
        Assert.Equal(160, r.Usage.Input);
        Assert.Equal(100, r.Usage.CachedInput);
        Assert.Equal(50, r.Usage.CacheWrite);
        Assert.Equal(20, r.Usage.Output);
        Assert.True(r.UsageSeen);
        Assert.Equal("claude-x", r.ResponseModel);
        var chat = ClientChecker.Stream(Runner.Ctx(Wire.OpenAiChat, Wire.AnthropicMessages), r.Output);
        Assert.Equal(160, chat.Usage.Input);
        Assert.Equal(100, chat.Usage.CachedInput);
        Assert.Equal("Hi \"there\" é\n", chat.Text.ToString());

        var a = Runner.Run(Runner.Ctx(Wire.AnthropicMessages, Wire.AnthropicMessages, stream: false), AnthropicCachedUsage);
        using var doc = JsonDocument.Parse(a.Body!);
        var usage = doc.RootElement.GetProperty("usage");
        Assert.Equal(10, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(100, usage.GetProperty("cache_read_input_tokens").GetInt64());
        Assert.Equal(50, usage.GetProperty("cache_creation_input_tokens").GetInt64());
        Assert.Equal(20, usage.GetProperty("output_tokens").GetInt64());

        var resp = Runner.Run(Runner.Ctx(Wire.OpenAiResponses, Wire.AnthropicMessages, stream: false), AnthropicCachedUsage);
        using var rdoc = JsonDocument.Parse(resp.Body!);
        var ru = rdoc.RootElement.GetProperty("usage");
        Assert.Equal(160, ru.GetProperty("input_tokens").GetInt64());
        Assert.Equal(100, ru.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(180, ru.GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public void Usage_ChatUpstreamCachedAndReasoning_AnthropicClientInputExcludesCache()
    {
        var ctx = Runner.Ctx(Wire.AnthropicMessages, Wire.OpenAiChat);
        var r = Runner.Run(ctx, ChatCachedReasoning, Chunking.Random, 7);
        Assert.Equal(TranslateStatus.Completed, r.Status);
        Assert.Equal(200, r.Usage.Input);
        Assert.Equal(150, r.Usage.CachedInput);
        Assert.Equal(12, r.Usage.Reasoning);
        Assert.Equal(30, r.Usage.Output);
        var t = ClientChecker.Stream(ctx, r.Output);
        Assert.Equal("think", t.Thinking.ToString());
        Assert.Equal("answer", t.Text.ToString());
        var delta = Transcript.SplitSse(r.Output).Single(e => e.Event == "message_delta");
        using var doc = JsonDocument.Parse(delta.Data);
        Assert.Equal(50, doc.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt64());
        Assert.Equal(150, doc.RootElement.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt64());
    }

    [Fact]
    public void Usage_ChatUpstreamReasoning_ResponsesClientGetsReasoningItemAndDetails()
    {
        var ctx = Runner.Ctx(Wire.OpenAiResponses, Wire.OpenAiChat);
        var r = Runner.Run(ctx, ChatCachedReasoning);
        var t = ClientChecker.Stream(ctx, r.Output);
        Assert.Equal("think", t.Thinking.ToString());
        Assert.Equal(12, t.Usage.Reasoning);
        Assert.Equal(150, t.Usage.CachedInput);
        Assert.Equal("", t.Signature.ToString());
    }

    [Fact]
    public void Feed_ChatClientWithoutIncludeUsage_NoUsageChunkButUsageRead()
    {
        var ctx = Runner.Ctx(Wire.OpenAiChat, Wire.AnthropicMessages, includeUsage: false);
        var r = Runner.Run(ctx, Runner.Sample("anthropic-text.sse"));
        ClientChecker.Stream(ctx, r.Output);
        Assert.DoesNotContain("\"usage\"", r.Output, StringComparison.Ordinal);
        Assert.True(r.UsageSeen);
        Assert.True(r.Usage.Output > 0);
    }

    [Theory]
    [InlineData(Wire.OpenAiChat)]
    [InlineData(Wire.AnthropicMessages)]
    [InlineData(Wire.OpenAiResponses)]
    public void Feed_AnthropicThinkingSignature_SignatureReachesAnthropicAndResponsesClients(Wire client)
    {
        var ctx = Runner.Ctx(client, Wire.AnthropicMessages);
        var r = Runner.Run(ctx, Runner.Sample("anthropic-thinking-tools.sse"), Chunking.OneByte);
        var t = ClientChecker.Stream(ctx, r.Output);
        Assert.Equal("Latency provider base limits flow only. Keep through,", t.Thinking.ToString());
        var expected = client == Wire.OpenAiChat ? "" : "EsimPj2GzbZnK0vVuSmMDEvxCs6zFlCddI7KnpBFJc6UB9OnCiE3upBXIxgwKyshUjbgE5fDa8S5eenXx5FauUGSoA==";
        Assert.Equal(expected, t.Signature.ToString());
        Assert.Equal("tool", t.Finish);
    }

    [Fact]
    public void Feed_ResponsesUpstreamReasoningWithEncryptedContent_AnthropicThinkingBlockWithSignature()
    {
        const string sse =
            "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"r\",\"model\":\"o-x\",\"status\":\"in_progress\",\"output\":[]}}\n\n"
            + "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]}}\n\n"
            + "event: response.reasoning_summary_text.delta\ndata: {\"type\":\"response.reasoning_summary_text.delta\",\"output_index\":0,\"summary_index\":0,\"delta\":\"Plan\"}\n\n"
            + "event: response.reasoning_summary_text.delta\ndata: {\"type\":\"response.reasoning_summary_text.delta\",\"output_index\":0,\"summary_index\":1,\"delta\":\"More\"}\n\n"
            + "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],\"encrypted_content\":\"gAAAblob\"}}\n\n"
            + "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":1,\"item\":{\"type\":\"message\",\"id\":\"m1\",\"content\":[]}}\n\n"
            + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"output_index\":1,\"content_index\":0,\"delta\":\"Done\"}\n\n"
            + "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"type\":\"message\",\"id\":\"m1\"}}\n\n"
            + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"status\":\"completed\",\"usage\":{\"input_tokens\":40,\"input_tokens_details\":{\"cached_tokens\":32},\"output_tokens\":9,\"output_tokens_details\":{\"reasoning_tokens\":5},\"total_tokens\":49}}}\n\n";
        var ctx = Runner.Ctx(Wire.AnthropicMessages, Wire.OpenAiResponses);
        var r = Runner.Run(ctx, sse, Chunking.Random, 3);
        Assert.Equal(TranslateStatus.Completed, r.Status);
        var t = ClientChecker.Stream(ctx, r.Output);
        Assert.Equal("Plan\n\nMore", t.Thinking.ToString());
        Assert.Equal("gAAAblob", t.Signature.ToString());
        Assert.Equal("Done", t.Text.ToString());
        Assert.Equal(40, r.Usage.Input);
        Assert.Equal(32, r.Usage.CachedInput);
        Assert.Equal(5, r.Usage.Reasoning);
        Assert.Equal(8, t.Usage.Input - t.Usage.CachedInput);
        Assert.Equal("o-x", r.ResponseModel);
    }

    [Theory]
    [InlineData(Wire.OpenAiChat, "chat-length.sse")]
    [InlineData(Wire.AnthropicMessages, "anthropic-length.sse")]
    [InlineData(Wire.OpenAiResponses, "responses-length.sse")]
    public void Feed_MaxTokensStop_EachClientSeesItsLengthReason(Wire upstream, string sample)
    {
        var chat = Runner.Run(Runner.Ctx(Wire.OpenAiChat, upstream), Runner.Sample(sample));
        Assert.Contains("\"finish_reason\":\"length\"", chat.Output, StringComparison.Ordinal);
        var anthropic = Runner.Run(Runner.Ctx(Wire.AnthropicMessages, upstream), Runner.Sample(sample));
        Assert.Contains("\"stop_reason\":\"max_tokens\"", anthropic.Output, StringComparison.Ordinal);
        var responses = Runner.Run(Runner.Ctx(Wire.OpenAiResponses, upstream), Runner.Sample(sample));
        var last = Transcript.SplitSse(responses.Output)[^1];
        Assert.Equal("response.incomplete", last.Event);
        using var doc = JsonDocument.Parse(last.Data);
        Assert.Equal("max_output_tokens", doc.RootElement.GetProperty("response").GetProperty("incomplete_details").GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(Wire.OpenAiChat, "chat-drop.sse")]
    [InlineData(Wire.AnthropicMessages, "anthropic-drop.sse")]
    [InlineData(Wire.OpenAiResponses, "responses-drop.sse")]
    public void Complete_StreamCutBeforeTerminalEvent_Cut(Wire upstream, string sample)
    {
        foreach (var client in Enum.GetValues<Wire>())
        {
            var r = Runner.Run(Runner.Ctx(client, upstream), Runner.Sample(sample), Chunking.Random, 11);
            Assert.Equal(TranslateStatus.Cut, r.Status);
            Assert.True(r.HasOutput);
            Assert.Equal(3, r.ContentDeltas);
            Assert.True(r.ContentStarted);
            Assert.Null(r.Error);
            Assert.DoesNotContain("[DONE]", r.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("message_stop", r.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("response.completed", r.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(Wire.OpenAiChat)]
    [InlineData(Wire.AnthropicMessages)]
    [InlineData(Wire.OpenAiResponses)]
    public void Feed_SimulatorGarbageFault_Garbage(Wire client)
    {
        var r = Runner.Run(Runner.Ctx(client, Wire.OpenAiChat), Runner.Sample("chat-garbage.sse"));
        Assert.Equal(TranslateStatus.Garbage, r.Status);
        Assert.False(r.HasOutput);
    }

    [Theory]
    [InlineData(Wire.OpenAiChat, "<html><body>502 Bad Gateway</body></html>")]
    [InlineData(Wire.AnthropicMessages, "{\"id\":\"msg_1\",\"type\":\"message\"}")]
    [InlineData(Wire.OpenAiResponses, "data: {\"type\":\"response.created\"\n\n")]
    [InlineData(Wire.AnthropicMessages, "event: message_start\ndata: [1,2]\n\n")]
    public void Feed_NotAnEventStreamOfTheWire_Garbage(Wire upstream, string body)
    {
        var r = Runner.Run(Runner.Ctx(Wire.OpenAiChat, upstream), body);
        Assert.Equal(TranslateStatus.Garbage, r.Status);
    }

    [Fact]
    public void Feed_EventOverOneMebibyte_Garbage()
    {
        var big = "data: {\"choices\":[{\"delta\":{\"content\":\"" + new string('a', 1024 * 1024) + "\"}}]}\n\n";
        var r = Runner.Run(Runner.Ctx(Wire.OpenAiChat, Wire.OpenAiChat), big, Chunking.Random, 5);
        Assert.Equal(TranslateStatus.Garbage, r.Status);
        var justUnder = "data: {\"choices\":[{\"delta\":{\"content\":\"" + new string('a', 1000 * 1000) + "\"}}]}\n\ndata: [DONE]\n\n";
        Assert.Equal(TranslateStatus.Completed, Runner.Run(Runner.Ctx(Wire.OpenAiChat, Wire.OpenAiChat), justUnder).Status);
    }

    [Theory]
    [InlineData(Wire.OpenAiChat, "data: {\"error\":{\"message\":\"Rate limited\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}\n\n", 429, "rate_limit_error", "rate_limit_exceeded")]
    [InlineData(Wire.AnthropicMessages, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", 529, "overloaded_error", "overloaded_error")]
    [InlineData(Wire.OpenAiResponses, "event: error\ndata: {\"type\":\"error\",\"sequence_number\":2,\"code\":\"server_error\",\"message\":\"boom\",\"param\":null}\n\n", 500, "api_error", "server_error")]
    [InlineData(Wire.OpenAiResponses, "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"id\":\"r\",\"status\":\"failed\",\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"slow down\"}}}\n\n", 429, "rate_limit_error", "rate_limit_exceeded")]
    public void Feed_UpstreamErrorEvent_UpstreamErrorWithMappedTypeAndNothingWritten(Wire upstream, string errorEvent, int status,
        string type, string code)
    {
        var preamble = upstream switch
        {
            Wire.OpenAiChat => "",
            Wire.AnthropicMessages => "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"x\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n",
            _ => "",
        };
        var ctx = Runner.Ctx(Wire.OpenAiChat, upstream, stream: false);
        var r = Runner.Run(ctx, preamble + errorEvent, Chunking.OneByte);
        Assert.Equal(TranslateStatus.UpstreamError, r.Status);
        Assert.False(r.HasOutput);
        Assert.NotNull(r.Error);
        Assert.Equal(status, r.Error.Value.Status);
        Assert.Equal(type, r.Error.Value.Type);
        Assert.Equal(code, r.Error.Value.Code);
        Assert.False(r.ContentStarted);
    }

    [Theory]
    [InlineData(Wire.OpenAiChat)]
    [InlineData(Wire.AnthropicMessages)]
    [InlineData(Wire.OpenAiResponses)]
    public void WriteError_AfterOutputBegan_ClientWiresErrorEvent(Wire client)
    {
        var text = Runner.Sample("anthropic-text.sse");
        var cut = text[..text.IndexOf("event: content_block_stop", StringComparison.Ordinal)];
        var error = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        using var t = new StreamTranslator(Runner.Ctx(client, Wire.AnthropicMessages));
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(TranslateStatus.UpstreamError, t.Feed(Encoding.UTF8.GetBytes(cut + error), output));
        Assert.True(t.HasOutput);
        Assert.True(t.ContentStarted);
        var before = output.WrittenCount;
        t.WriteError(t.Error!.Value, output);
        var events = Transcript.SplitSse(Encoding.UTF8.GetString(output.WrittenSpan[before..]));
        switch (client)
        {
            case Wire.OpenAiChat:
                var (name, data) = Assert.Single(events);
                using (var doc = JsonDocument.Parse(data))
                {
                    Assert.Equal("overloaded_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
                    Assert.Equal("Overloaded", doc.RootElement.GetProperty("error").GetProperty("message").GetString());
                }

                break;
            case Wire.AnthropicMessages:
                var e = Assert.Single(events);
                Assert.Equal("error", e.Event);
                using (var doc = JsonDocument.Parse(e.Data))
                {
                    Assert.Equal("overloaded_error", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
                }

                break;
            default:
                Assert.Equal(["error", "response.failed"], events.Select(x => x.Event));
                var all = Transcript.SplitSse(Encoding.UTF8.GetString(output.WrittenSpan));
                for (var i = 0; i < all.Count; i++)
                {
                    using var doc = JsonDocument.Parse(all[i].Data);
                    Assert.Equal(i, doc.RootElement.GetProperty("sequence_number").GetInt32());
                }

                using (var doc = JsonDocument.Parse(events[1].Data))
                {
                    Assert.Equal("failed", doc.RootElement.GetProperty("response").GetProperty("status").GetString());
                }

                break;
        }
    }

    [Fact]
    public void Feed_ToolBindings_NamesMappedBackNamespaceKeptUnknownPassThrough()
    {
        var tools = new Dictionary<string, ToolBinding>(StringComparer.Ordinal)
        {
            ["get_weather"] = new("get_weather", "weather", ClientToolKind.Function),
            ["exec_command"] = new("exec_command", "exec", ClientToolKind.Function, "shell"),
        };
        var ctx = Runner.Ctx(Wire.OpenAiResponses, Wire.OpenAiChat, tools: tools);
        var r = Runner.Run(ctx, Runner.Sample("chat-tools.sse"), Chunking.OneByte);
        var t = ClientChecker.Stream(ctx, r.Output);
        Assert.Equal(["weather", "exec"], t.Tools.Select(x => x.Name));
        var done = Transcript.SplitSse(r.Output).Where(e => e.Event == "response.output_item.done").ToList();
        using var doc = JsonDocument.Parse(done[1].Data);
        Assert.Equal("shell", doc.RootElement.GetProperty("item").GetProperty("namespace").GetString());

        var unmapped = Runner.Run(Runner.Ctx(Wire.AnthropicMessages, Wire.OpenAiChat), Runner.Sample("chat-tools.sse"));
        Assert.Equal(["get_weather", "exec_command"],
            ClientChecker.Stream(Runner.Ctx(Wire.AnthropicMessages, Wire.OpenAiChat), unmapped.Output).Tools.Select(x => x.Name));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Feed_CustomToolBinding_ResponsesCustomToolCallWithInputString(bool stream)
    {
        const string patch = "*** Begin Patch\n*** Add File: a.txt\n+hi \"q\" \\ é\n*** End Patch";
        var args = JsonSerializer.Serialize(new { input = patch });
        var sb = new StringBuilder();
        sb.Append("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}\n\n");
        sb.Append("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_p\",\"type\":\"function\",\"function\":{\"name\":\"apply_patch\",\"arguments\":\"\"}}]}}]}\n\n");
        for (var i = 0; i < args.Length; i += 5)
        {
            var piece = JsonSerializer.Serialize(args.Substring(i, Math.Min(5, args.Length - i)));
            sb.Append("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":").Append(piece).Append("}}]}}]}\n\n");
        }

        sb.Append("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n");
        sb.Append("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}\n\ndata: [DONE]\n\n");
        var tools = new Dictionary<string, ToolBinding>(StringComparer.Ordinal)
        {
            ["apply_patch"] = new("apply_patch", "apply_patch", ClientToolKind.Custom),
        };
        var ctx = Runner.Ctx(Wire.OpenAiResponses, Wire.OpenAiChat, stream, tools: tools);
        var r = Runner.Run(ctx, sb.ToString(), Chunking.Random, 9);
        Assert.Equal(TranslateStatus.Completed, r.Status);
        var t = stream ? ClientChecker.Stream(ctx, r.Output) : ClientChecker.Body(ctx, r.Body!);
        var call = Assert.Single(t.Tools);
        Assert.Equal("call_p", call.Id);
        Assert.Equal(patch, call.Arguments.ToString());
        Assert.Contains("\"type\":\"custom_tool_call\"", stream ? r.Output : r.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Feed_ChatToolCallsWholeInOneChunkAndRepeatedIndexWithNewIds_SeparateCalls()
    {
        const string sse =
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":1}\"}},{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_c\",\"type\":\"function\",\"function\":{\"name\":\"h\",\"arguments\":\"{\\\"y\\\":\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"2}\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
            + "data: [DONE]";
        var ctx = Runner.Ctx(Wire.AnthropicMessages, Wire.OpenAiChat);
        var r = Runner.Run(ctx, sse);
        Assert.Equal(TranslateStatus.Completed, r.Status);
        Assert.False(r.UsageSeen);
        var t = ClientChecker.Stream(ctx, r.Output);
        Assert.Equal(["call_a", "call_b", "call_c"], t.Tools.Select(x => x.Id));
        Assert.Equal(["{\"x\":1}", "{}", "{\"y\":2}"], t.Tools.Select(x => x.Arguments.ToString()));
    }

    [Fact]
    public void Feed_ChatArgumentsForAnEarlierClosedCall_Garbage()
    {
        const string sse =
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"function\":{\"name\":\"g\",\"arguments\":\"{\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"}\"}}]}}]}\n\n";
        Assert.Equal(TranslateStatus.Garbage, Runner.Run(Runner.Ctx(Wire.AnthropicMessages, Wire.OpenAiChat), sse).Status);
    }

    [Fact]
    public void Feed_BytesAfterCompletion_IgnoredAndStillCompleted()
    {
        using var t = new StreamTranslator(Runner.Ctx(Wire.OpenAiChat, Wire.OpenAiChat));
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(TranslateStatus.Completed, t.Feed("data: {\"choices\":[]}\n\ndata: [DONE]\n\ndata: {\"x\""u8, output));
        var written = output.WrittenCount;
        Assert.Equal(TranslateStatus.Completed, t.Feed("more"u8, output));
        Assert.Equal(TranslateStatus.Completed, t.Complete(output));
        Assert.Equal(written, output.WrittenCount);
    }

    [Fact]
    public void Complete_TerminalEventWithoutTrailingBlankLine_Completed()
    {
        var text = Runner.Sample("anthropic-text.sse").TrimEnd('\n');
        var r = Runner.Run(Runner.Ctx(Wire.OpenAiResponses, Wire.AnthropicMessages), text, Chunking.Random, 2);
        Assert.Equal(TranslateStatus.Completed, r.Status);
        ClientChecker.Stream(Runner.Ctx(Wire.OpenAiResponses, Wire.AnthropicMessages), r.Output);
    }

    [Fact]
    public void Feed_EmptyStream_CutWithoutOutput()
    {
        var r = Runner.Run(Runner.Ctx(Wire.AnthropicMessages, Wire.OpenAiResponses), ": keep-alive\n\n");
        Assert.Equal(TranslateStatus.Cut, r.Status);
        Assert.False(r.HasOutput);
        Assert.False(r.ContentStarted);
    }

    [Fact]
    public void WriteBody_BeforeCompletion_Throws()
    {
        using var t = new StreamTranslator(Runner.Ctx(Wire.OpenAiChat, Wire.OpenAiChat, stream: false));
        Assert.Throws<InvalidOperationException>(() => t.WriteBody(new ArrayBufferWriter<byte>()));
    }
}
