namespace Gateway.Translation.Tests.Streaming;

public sealed class StreamTranslatorEdgeTests
{
    [Fact]
    public void Feed_AnthropicRedactedThinking_AnthropicClientGetsWholeBlockOthersSkipIt()
    {
        const string sse =
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
            + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va\"}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"ok\"}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":4}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        var actx = Runner.Ctx(Wire.AnthropicMessages, Wire.AnthropicMessages);
        var a = Runner.Run(actx, sse, Chunking.OneByte);
        ClientChecker.Stream(actx, a.Output);
        Assert.Contains("{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va\"}", a.Output, StringComparison.Ordinal);
        var body = Runner.Run(Runner.Ctx(Wire.AnthropicMessages, Wire.AnthropicMessages, stream: false), sse);
        Assert.Contains("{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va\"}", body.Body, StringComparison.Ordinal);
        foreach (var client in new[] { Wire.OpenAiChat, Wire.OpenAiResponses })
        {
            var ctx = Runner.Ctx(client, Wire.AnthropicMessages);
            var r = Runner.Run(ctx, sse);
            var t = ClientChecker.Stream(ctx, r.Output);
            Assert.Equal("ok", t.Text.ToString());
            Assert.DoesNotContain("EmwKAhgBEgy3va", r.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Feed_ResponsesUpstreamCustomToolCallAndArgumentsOnlyInDone_CallsComplete()
    {
        const string sse =
            "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"model\":\"x\"}}\n\n"
            + "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"custom_tool_call\",\"id\":\"ctc_1\",\"call_id\":\"call_c\",\"name\":\"apply_patch\",\"input\":\"\"}}\n\n"
            + "event: response.custom_tool_call_input.delta\ndata: {\"type\":\"response.custom_tool_call_input.delta\",\"output_index\":0,\"delta\":\"line1\\n\"}\n\n"
            + "event: response.custom_tool_call_input.delta\ndata: {\"type\":\"response.custom_tool_call_input.delta\",\"output_index\":0,\"delta\":\"line \\\"2\\\"\"}\n\n"
            + "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":\"custom_tool_call\",\"id\":\"ctc_1\",\"call_id\":\"call_c\",\"name\":\"apply_patch\",\"input\":\"line1\\nline \\\"2\\\"\"}}\n\n"
            + "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":1,\"item\":{\"type\":\"function_call\",\"id\":\"fc_2\",\"call_id\":\"call_f\",\"name\":\"f\",\"arguments\":\"\"}}\n\n"
            + "event: response.function_call_arguments.done\ndata: {\"type\":\"response.function_call_arguments.done\",\"output_index\":1,\"arguments\":\"{\\\"a\\\":1}\"}\n\n"
            + "event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"type\":\"function_call\",\"id\":\"fc_2\",\"call_id\":\"call_f\",\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}\n\n"
            + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"status\":\"completed\",\"usage\":{\"input_tokens\":4,\"output_tokens\":6}}}\n\n";
        var ctx = Runner.Ctx(Wire.OpenAiChat, Wire.OpenAiResponses);
        var r = Runner.Run(ctx, sse, Chunking.Random, 4);
        Assert.Equal(TranslateStatus.Completed, r.Status);
        var t = ClientChecker.Stream(ctx, r.Output);
        Assert.Equal(["call_c", "call_f"], t.Tools.Select(x => x.Id));
        Assert.Equal("{\"input\":\"line1\\nline \\\"2\\\"\"}", t.Tools[0].Arguments.ToString());
        Assert.Equal("{\"a\":1}", t.Tools[1].Arguments.ToString());
        Assert.Equal("tool", t.Finish);

        var tools = new Dictionary<string, ToolBinding>(StringComparer.Ordinal) { ["apply_patch"] = new("apply_patch", "apply_patch", ClientToolKind.Custom) };
        var rctx = Runner.Ctx(Wire.OpenAiResponses, Wire.OpenAiResponses, tools: tools);
        var rr = Runner.Run(rctx, sse);
        var rt = ClientChecker.Stream(rctx, rr.Output);
        Assert.Equal("line1\nline \"2\"", rt.Tools[0].Arguments.ToString());
    }

    [Fact]
    public void Feed_ChatSecondChoice_Ignored()
    {
        const string sse =
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}},{\"index\":1,\"delta\":{\"content\":\"B\"}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        var ctx = Runner.Ctx(Wire.AnthropicMessages, Wire.OpenAiChat);
        var t = ClientChecker.Stream(ctx, Runner.Run(ctx, sse).Output);
        Assert.Equal("a", t.Text.ToString());
    }

    [Fact]
    public void Feed_CutInsideToolCall_ArgumentsSoFarRelayedAndCut()
    {
        var text = Runner.Sample("anthropic-thinking-tools.sse");
        var cut = text[..(text.LastIndexOf("input_json_delta", StringComparison.Ordinal) - 80)];
        var ctx = Runner.Ctx(Wire.OpenAiChat, Wire.AnthropicMessages);
        var r = Runner.Run(ctx, cut, Chunking.OneByte);
        Assert.Equal(TranslateStatus.Cut, r.Status);
        Assert.Contains("\"tool_calls\"", r.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("finish_reason\":\"", r.Output, StringComparison.Ordinal);
        Assert.False(r.UsageSeen);
        Assert.Equal(6, r.Usage.Input);
    }

    [Fact]
    public void Feed_ChatClientWantsUsageButUpstreamSentNone_NoUsageChunk()
    {
        const string sse = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        var ctx = Runner.Ctx(Wire.OpenAiChat, Wire.OpenAiChat, includeUsage: true);
        var r = Runner.Run(ctx, sse);
        ClientChecker.Stream(ctx, r.Output);
        Assert.False(r.UsageSeen);
        Assert.DoesNotContain("\"choices\":[]", r.Output, StringComparison.Ordinal);
        Assert.Equal(1, r.ContentDeltas);
    }

    [Fact]
    public void Feed_ResponsesIncompleteWithoutDetails_LengthForEveryClient()
    {
        const string sse =
            "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"model\":\"x\"}}\n\n"
            + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"output_index\":0,\"delta\":\"cut\"}\n\n"
            + "event: response.incomplete\ndata: {\"type\":\"response.incomplete\",\"response\":{\"id\":\"r\",\"status\":\"incomplete\",\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}\n\n";
        foreach (var client in Enum.GetValues<Wire>())
        {
            var ctx = Runner.Ctx(client, Wire.OpenAiResponses);
            var r = Runner.Run(ctx, sse);
            Assert.Equal(TranslateStatus.Completed, r.Status);
            var t = ClientChecker.Stream(ctx, r.Output);
            Assert.Equal("length", t.Finish);
            Assert.Equal("cut", t.Text.ToString());
        }
    }

    [Theory]
    [InlineData(40)]
    [InlineData(3)]
    public void Complete_EofInsideAnEvent_Cut(int keep)
    {
        var text = Runner.Sample("anthropic-text.sse");
        var at = text.IndexOf("event: content_block_stop", StringComparison.Ordinal);
        var r = Runner.Run(Runner.Ctx(Wire.OpenAiChat, Wire.AnthropicMessages), text[..(at + keep)], Chunking.OneByte);
        Assert.Equal(TranslateStatus.Cut, r.Status);
        Assert.True(r.HasOutput);
    }

    [Fact]
    public void Complete_SingleLineNonSseBodyWithoutNewline_Garbage()
    {
        var r = Runner.Run(Runner.Ctx(Wire.OpenAiChat, Wire.OpenAiChat), "<html>bad gateway</html>");
        Assert.Equal(TranslateStatus.Garbage, r.Status);
        var json = Runner.Run(Runner.Ctx(Wire.OpenAiChat, Wire.OpenAiChat), "data: {\"choices\":[");
        Assert.Equal(TranslateStatus.Garbage, json.Status);
    }
}
