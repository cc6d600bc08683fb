using System.Text.Json;

namespace Gateway.Translation.Tests.Streaming;

/// <summary>Strict readers of what the translator wrote for a client: they assert each wire's event order and
/// shape and return what the client would have understood.</summary>
internal static class ClientChecker
{
    public static Transcript Stream(TranslationContext ctx, string sse) => ctx.Client switch
    {
        Wire.OpenAiChat => Chat(ctx, sse),
        Wire.AnthropicMessages => Anthropic(ctx, sse),
        _ => Responses(ctx, sse),
    };

    private static Transcript Chat(TranslationContext ctx, string sse)
    {
        var t = new Transcript();
        var events = Transcript.SplitSse(sse);
        Assert.NotEmpty(events);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.EndsWith("data: [DONE]\n\n", sse, StringComparison.Ordinal);
        var finishSeen = false;
        var usageSeen = false;
        for (var i = 0; i < events.Count - 1; i++)
        {
            var (name, data) = events[i];
            Assert.Equal("", name);
            Assert.NotEqual("[DONE]", data);
            using var doc = JsonDocument.Parse(data);
            var root = doc.RootElement;
            Assert.Equal("chat.completion.chunk", root.GetProperty("object").GetString());
            Assert.Equal("chatcmpl-" + ctx.RequestId, root.GetProperty("id").GetString());
            Assert.Equal(ctx.ClientModel, root.GetProperty("model").GetString());
            var choices = root.GetProperty("choices");
            if (choices.GetArrayLength() == 0)
            {
                Assert.True(finishSeen, "the usage chunk comes after the finish chunk");
                Assert.False(usageSeen);
                usageSeen = true;
                var u = root.GetProperty("usage");
                t.UsageSeen = true;
                t.Usage.Input = u.GetProperty("prompt_tokens").GetInt64();
                t.Usage.Output = u.GetProperty("completion_tokens").GetInt64();
                Assert.Equal(t.Usage.Input + t.Usage.Output, u.GetProperty("total_tokens").GetInt64());
                t.Usage.CachedInput = u.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt64();
                t.Usage.Reasoning = u.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt64();
                continue;
            }

            Assert.False(finishSeen, "no content after the finish chunk");
            Assert.Equal(1, choices.GetArrayLength());
            var choice = choices[0];
            var delta = choice.GetProperty("delta");
            if (i == 0)
            {
                Assert.Equal("assistant", delta.GetProperty("role").GetString());
            }
            else
            {
                Assert.False(delta.TryGetProperty("role", out _));
            }

            if (delta.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
            {
                t.Text.Append(c.GetString());
            }

            if (delta.TryGetProperty("reasoning_content", out var r))
            {
                t.Thinking.Append(r.GetString());
            }

            if (delta.TryGetProperty("tool_calls", out var calls))
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var index = call.GetProperty("index").GetInt32();
                    var f = call.GetProperty("function");
                    if (call.TryGetProperty("id", out var id))
                    {
                        Assert.Equal(t.Tools.Count, index);
                        Assert.Equal("function", call.GetProperty("type").GetString());
                        t.Tools.Add(new Transcript.ToolCall(id.GetString()!, f.GetProperty("name").GetString()!));
                    }
                    else
                    {
                        Assert.Equal(t.Tools.Count - 1, index);
                        Assert.False(f.TryGetProperty("name", out _));
                    }

                    t.Tools[index].Arguments.Append(f.GetProperty("arguments").GetString());
                }
            }

            if (choice.GetProperty("finish_reason").ValueKind == JsonValueKind.String)
            {
                finishSeen = true;
                t.Finish = Transcript.NormalizeFinish(choice.GetProperty("finish_reason").GetString());
            }
        }

        Assert.True(finishSeen);
        if (!ctx.IncludeUsage)
        {
            Assert.False(usageSeen);
        }
        return t;
    }

    private static Transcript Anthropic(TranslationContext ctx, string sse)
    {
        var t = new Transcript();
        var events = Transcript.SplitSse(sse);
        Assert.True(events.Count >= 3);
        var open = -1;
        string? openType = null;
        var nextIndex = 0;
        var deltaSeen = false;
        for (var i = 0; i < events.Count; i++)
        {
            var (name, data) = events[i];
            using var doc = JsonDocument.Parse(data);
            var root = doc.RootElement;
            var type = root.GetProperty("type").GetString();
            Assert.Equal(name, type);
            if (i == 0)
            {
                Assert.Equal("message_start", type);
                var m = root.GetProperty("message");
                Assert.Equal("msg_" + ctx.RequestId, m.GetProperty("id").GetString());
                Assert.Equal(ctx.ClientModel, m.GetProperty("model").GetString());
                Assert.Equal("assistant", m.GetProperty("role").GetString());
                Assert.Equal(0, m.GetProperty("content").GetArrayLength());
                continue;
            }

            Assert.NotEqual("message_start", type);
            if (i == events.Count - 1)
            {
                Assert.Equal("message_stop", type);
                Assert.True(deltaSeen);
                Assert.Equal(-1, open);
                continue;
            }

            Assert.False(deltaSeen, "only message_stop follows message_delta");
            switch (type)
            {
                case "content_block_start":
                    Assert.Equal(-1, open);
                    open = root.GetProperty("index").GetInt32();
                    Assert.Equal(nextIndex++, open);
                    var block = root.GetProperty("content_block");
                    openType = block.GetProperty("type").GetString();
                    if (openType == "tool_use")
                    {
                        Assert.Empty(block.GetProperty("input").EnumerateObject());
                        t.Tools.Add(new Transcript.ToolCall(block.GetProperty("id").GetString()!, block.GetProperty("name").GetString()!));
                    }
                    else if (openType == "text")
                    {
                        Assert.Equal("", block.GetProperty("text").GetString());
                    }
                    else
                    {
                        Assert.True(openType is "thinking" or "redacted_thinking", openType);
                    }

                    break;
                case "content_block_delta":
                    Assert.Equal(open, root.GetProperty("index").GetInt32());
                    var d = root.GetProperty("delta");
                    switch (d.GetProperty("type").GetString())
                    {
                        case "text_delta":
                            Assert.Equal("text", openType);
                            t.Text.Append(d.GetProperty("text").GetString());
                            break;
                        case "thinking_delta":
                            Assert.Equal("thinking", openType);
                            t.Thinking.Append(d.GetProperty("thinking").GetString());
                            break;
                        case "signature_delta":
                            Assert.Equal("thinking", openType);
                            t.Signature.Append(d.GetProperty("signature").GetString());
                            break;
                        case "input_json_delta":
                            Assert.Equal("tool_use", openType);
                            t.Tools[^1].Arguments.Append(d.GetProperty("partial_json").GetString());
                            break;
                        default:
                            Assert.Fail("unknown delta " + d);
                            break;
                    }

                    break;
                case "content_block_stop":
                    Assert.Equal(open, root.GetProperty("index").GetInt32());
                    if (openType == "tool_use" && t.Tools[^1].Arguments.Length > 0)
                    {
                        using var args = JsonDocument.Parse(t.Tools[^1].Arguments.ToString());
                        Assert.Equal(JsonValueKind.Object, args.RootElement.ValueKind);
                    }

                    open = -1;
                    break;
                case "message_delta":
                    Assert.Equal(-1, open);
                    deltaSeen = true;
                    t.Finish = Transcript.NormalizeFinish(root.GetProperty("delta").GetProperty("stop_reason").GetString());
                    t.UsageSeen = true;
                    Transcript.ReadAnthropicUsage(t, root.GetProperty("usage"));
                    break;
                case "ping":
                    break;
                default:
                    Assert.Fail("unexpected event " + type);
                    break;
            }
        }

        return t;
    }

    private static Transcript Responses(TranslationContext ctx, string sse)
    {
        var t = new Transcript();
        var events = Transcript.SplitSse(sse);
        Assert.True(events.Count >= 3);
        var seq = 0;
        var open = -1;
        string? openType = null;
        string? openId = null;
        var nextIndex = 0;
        var text = new System.Text.StringBuilder();
        var args = new System.Text.StringBuilder();
        var summary = new System.Text.StringBuilder();
        var partOpen = false;
        var itemsDone = new List<string>();
        for (var i = 0; i < events.Count; i++)
        {
            var (name, data) = events[i];
            using var doc = JsonDocument.Parse(data);
            var root = doc.RootElement;
            var type = root.GetProperty("type").GetString()!;
            Assert.Equal(name, type);
            Assert.Equal(seq++, root.GetProperty("sequence_number").GetInt32());
            if (i == 0)
            {
                Assert.Equal("response.created", type);
                continue;
            }

            if (i == 1)
            {
                Assert.Equal("response.in_progress", type);
                continue;
            }

            if (type.StartsWith("response.", StringComparison.Ordinal) && root.TryGetProperty("item_id", out var itemId))
            {
                Assert.Equal(openId, itemId.GetString());
                Assert.Equal(open, root.GetProperty("output_index").GetInt32());
            }

            switch (type)
            {
                case "response.output_item.added":
                    Assert.Equal(-1, open);
                    open = root.GetProperty("output_index").GetInt32();
                    Assert.Equal(nextIndex++, open);
                    var item = root.GetProperty("item");
                    openType = item.GetProperty("type").GetString();
                    openId = item.GetProperty("id").GetString();
                    var prefix = openType switch { "message" => "msg_", "function_call" => "fc_", "reasoning" => "rs_", _ => "ctc_" };
                    Assert.Equal($"{prefix}{ctx.RequestId}_{open}", openId);
                    text.Clear();
                    args.Clear();
                    summary.Clear();
                    if (openType == "function_call")
                    {
                        Assert.Equal("", item.GetProperty("arguments").GetString());
                        t.Tools.Add(new Transcript.ToolCall(item.GetProperty("call_id").GetString()!, item.GetProperty("name").GetString()!));
                    }
                    else if (openType == "custom_tool_call")
                    {
                        t.Tools.Add(new Transcript.ToolCall(item.GetProperty("call_id").GetString()!, item.GetProperty("name").GetString()!));
                    }

                    break;
                case "response.content_part.added":
                    Assert.Equal("message", openType);
                    Assert.False(partOpen);
                    partOpen = true;
                    break;
                case "response.output_text.delta":
                    Assert.True(partOpen);
                    text.Append(root.GetProperty("delta").GetString());
                    break;
                case "response.output_text.done":
                    Assert.True(partOpen);
                    Assert.Equal(text.ToString(), root.GetProperty("text").GetString());
                    break;
                case "response.content_part.done":
                    Assert.True(partOpen);
                    partOpen = false;
                    Assert.Equal(text.ToString(), root.GetProperty("part").GetProperty("text").GetString());
                    break;
                case "response.reasoning_summary_part.added" or "response.reasoning_summary_part.done":
                    Assert.Equal("reasoning", openType);
                    break;
                case "response.reasoning_summary_text.delta":
                    Assert.Equal("reasoning", openType);
                    summary.Append(root.GetProperty("delta").GetString());
                    break;
                case "response.reasoning_summary_text.done":
                    Assert.Equal(summary.ToString(), root.GetProperty("text").GetString());
                    break;
                case "response.function_call_arguments.delta":
                    Assert.Equal("function_call", openType);
                    args.Append(root.GetProperty("delta").GetString());
                    break;
                case "response.function_call_arguments.done":
                    Assert.Equal("function_call", openType);
                    Assert.Equal(args.ToString(), root.GetProperty("arguments").GetString());
                    break;
                case "response.custom_tool_call_input.delta" or "response.custom_tool_call_input.done":
                    Assert.Equal("custom_tool_call", openType);
                    break;
                case "response.output_item.done":
                    Assert.False(partOpen);
                    Assert.Equal(open, root.GetProperty("output_index").GetInt32());
                    var done = root.GetProperty("item");
                    Assert.Equal(openId, done.GetProperty("id").GetString());
                    switch (openType)
                    {
                        case "message":
                            Assert.Equal(text.ToString(), done.GetProperty("content")[0].GetProperty("text").GetString());
                            t.Text.Append(text);
                            break;
                        case "function_call":
                            Assert.Equal(args.ToString(), done.GetProperty("arguments").GetString());
                            t.Tools[^1].Arguments.Append(args);
                            break;
                        case "custom_tool_call":
                            t.Tools[^1].Arguments.Append(done.GetProperty("input").GetString());
                            break;
                        case "reasoning":
                            if (summary.Length > 0)
                            {
                                Assert.Equal(summary.ToString(), done.GetProperty("summary")[0].GetProperty("text").GetString());
                            }

                            t.Thinking.Append(summary);
                            if (done.TryGetProperty("encrypted_content", out var enc))
                            {
                                t.Signature.Append(enc.GetString());
                            }

                            break;
                    }

                    itemsDone.Add(done.GetRawText());
                    open = -1;
                    openId = null;
                    break;
                case "response.completed" or "response.incomplete":
                    Assert.Equal(events.Count - 1, i);
                    Assert.Equal(-1, open);
                    var response = root.GetProperty("response");
                    Assert.Equal("resp_" + ctx.RequestId, response.GetProperty("id").GetString());
                    Assert.Equal(ctx.ClientModel, response.GetProperty("model").GetString());
                    var status = response.GetProperty("status").GetString();
                    Assert.Equal(type == "response.completed" ? "completed" : "incomplete", status);
                    var output = response.GetProperty("output");
                    Assert.Equal(itemsDone.Count, output.GetArrayLength());
                    for (var k = 0; k < itemsDone.Count; k++)
                    {
                        Assert.Equal(itemsDone[k], output[k].GetRawText());
                    }

                    Transcript.ReadResponsesUsage(t, response.GetProperty("usage"));
                    t.Finish = status == "incomplete" ? "length" : t.Tools.Count > 0 ? "tool" : "stop";
                    break;
                default:
                    Assert.Fail("unexpected event " + type);
                    break;
            }
        }

        Assert.NotNull(t.Finish);
        return t;
    }

    public static Transcript Body(TranslationContext ctx, string body)
    {
        var t = new Transcript { UsageSeen = true };
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        switch (ctx.Client)
        {
            case Wire.OpenAiChat:
                Assert.Equal("chat.completion", root.GetProperty("object").GetString());
                Assert.Equal("chatcmpl-" + ctx.RequestId, root.GetProperty("id").GetString());
                Assert.Equal(ctx.ClientModel, root.GetProperty("model").GetString());
                var choice = root.GetProperty("choices")[0];
                var message = choice.GetProperty("message");
                Assert.Equal("assistant", message.GetProperty("role").GetString());
                if (message.GetProperty("content").ValueKind == JsonValueKind.String)
                {
                    t.Text.Append(message.GetProperty("content").GetString());
                }

                if (message.TryGetProperty("reasoning_content", out var rc))
                {
                    t.Thinking.Append(rc.GetString());
                }

                if (message.TryGetProperty("tool_calls", out var calls))
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        var f = call.GetProperty("function");
                        var tc = new Transcript.ToolCall(call.GetProperty("id").GetString()!, f.GetProperty("name").GetString()!);
                        tc.Arguments.Append(f.GetProperty("arguments").GetString());
                        t.Tools.Add(tc);
                    }
                }

                t.Finish = Transcript.NormalizeFinish(choice.GetProperty("finish_reason").GetString());
                var u = root.GetProperty("usage");
                t.Usage.Input = u.GetProperty("prompt_tokens").GetInt64();
                t.Usage.Output = u.GetProperty("completion_tokens").GetInt64();
                t.Usage.CachedInput = u.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt64();
                t.Usage.Reasoning = u.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt64();
                break;
            case Wire.AnthropicMessages:
                Assert.Equal("message", root.GetProperty("type").GetString());
                Assert.Equal("msg_" + ctx.RequestId, root.GetProperty("id").GetString());
                Assert.Equal(ctx.ClientModel, root.GetProperty("model").GetString());
                foreach (var block in root.GetProperty("content").EnumerateArray())
                {
                    switch (block.GetProperty("type").GetString())
                    {
                        case "text": t.Text.Append(block.GetProperty("text").GetString()); break;
                        case "thinking":
                            t.Thinking.Append(block.GetProperty("thinking").GetString());
                            t.Signature.Append(block.GetProperty("signature").GetString());
                            break;
                        case "tool_use":
                            var tc = new Transcript.ToolCall(block.GetProperty("id").GetString()!, block.GetProperty("name").GetString()!);
                            Assert.Equal(JsonValueKind.Object, block.GetProperty("input").ValueKind);
                            tc.Arguments.Append(block.GetProperty("input").GetRawText());
                            t.Tools.Add(tc);
                            break;
                    }
                }

                t.Finish = Transcript.NormalizeFinish(root.GetProperty("stop_reason").GetString());
                Transcript.ReadAnthropicUsage(t, root.GetProperty("usage"));
                break;
            default:
                Assert.Equal("response", root.GetProperty("object").GetString());
                Assert.Equal("resp_" + ctx.RequestId, root.GetProperty("id").GetString());
                Assert.Equal(ctx.ClientModel, root.GetProperty("model").GetString());
                foreach (var item in root.GetProperty("output").EnumerateArray())
                {
                    switch (item.GetProperty("type").GetString())
                    {
                        case "message": t.Text.Append(item.GetProperty("content")[0].GetProperty("text").GetString()); break;
                        case "reasoning":
                            foreach (var s in item.GetProperty("summary").EnumerateArray())
                            {
                                t.Thinking.Append(s.GetProperty("text").GetString());
                            }

                            if (item.TryGetProperty("encrypted_content", out var enc))
                            {
                                t.Signature.Append(enc.GetString());
                            }

                            break;
                        case "function_call":
                            var tc = new Transcript.ToolCall(item.GetProperty("call_id").GetString()!, item.GetProperty("name").GetString()!);
                            tc.Arguments.Append(item.GetProperty("arguments").GetString());
                            t.Tools.Add(tc);
                            break;
                        case "custom_tool_call":
                            var ct = new Transcript.ToolCall(item.GetProperty("call_id").GetString()!, item.GetProperty("name").GetString()!);
                            ct.Arguments.Append(item.GetProperty("input").GetString());
                            t.Tools.Add(ct);
                            break;
                    }
                }

                var status = root.GetProperty("status").GetString();
                t.Finish = status == "incomplete" ? "length" : t.Tools.Count > 0 ? "tool" : "stop";
                Transcript.ReadResponsesUsage(t, root.GetProperty("usage"));
                break;
        }

        return t;
    }
}
