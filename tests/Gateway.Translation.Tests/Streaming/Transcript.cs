using System.Text;
using System.Text.Json;

namespace Gateway.Translation.Tests.Streaming;

/// <summary>What a response says, wire-neutral: the thing a translation must preserve.</summary>
internal sealed class Transcript
{
    public StringBuilder Text { get; } = new();

    public StringBuilder Thinking { get; } = new();

    public StringBuilder Signature { get; } = new();

    public List<ToolCall> Tools { get; } = [];

    /// <summary>stop, length, tool, content_filter.</summary>
    public string? Finish { get; set; }

    public TokenUsage Usage;

    public bool UsageSeen { get; set; }

    public sealed class ToolCall(string id, string name)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public StringBuilder Arguments { get; } = new();
    }

    public static string NormalizeFinish(string? reason) => reason switch
    {
        "stop" or "end_turn" or "stop_sequence" or "completed" => "stop",
        "length" or "max_tokens" or "incomplete" or "max_output_tokens" => "length",
        "tool_calls" or "tool_use" => "tool",
        null => "none",
        _ => reason,
    };

    /// <summary>Splits SSE text (\n line ends) into (event name, data) pairs.</summary>
    public static List<(string Event, string Data)> SplitSse(string sse)
    {
        var events = new List<(string, string)>();
        foreach (var block in sse.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string name = "";
            var data = new StringBuilder();
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    if (data.Length > 0)
                    {
                        data.Append('\n');
                    }

                    data.Append(line[6..]);
                }
            }

            if (data.Length > 0)
            {
                events.Add((name, data.ToString()));
            }
        }

        return events;
    }

    /// <summary>A reference reading of an upstream sample (JsonDocument, no shared code with the library).</summary>
    public static Transcript FromUpstream(Wire wire, string sse)
    {
        var t = new Transcript();
        var status = "";
        foreach (var (_, data) in SplitSse(sse))
        {
            if (data == "[DONE]")
            {
                continue;
            }

            using var doc = JsonDocument.Parse(data);
            var root = doc.RootElement;
            switch (wire)
            {
                case Wire.OpenAiChat:
                    foreach (var choice in root.GetProperty("choices").EnumerateArray())
                    {
                        var delta = choice.GetProperty("delta");
                        if (delta.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
                        {
                            t.Text.Append(c.GetString());
                        }

                        if (delta.TryGetProperty("reasoning_content", out var r) && r.ValueKind == JsonValueKind.String)
                        {
                            t.Thinking.Append(r.GetString());
                        }

                        if (delta.TryGetProperty("tool_calls", out var calls))
                        {
                            foreach (var call in calls.EnumerateArray())
                            {
                                var f = call.GetProperty("function");
                                if (call.TryGetProperty("id", out var id))
                                {
                                    t.Tools.Add(new ToolCall(id.GetString()!, f.GetProperty("name").GetString()!));
                                }

                                if (f.TryGetProperty("arguments", out var a))
                                {
                                    t.Tools[^1].Arguments.Append(a.GetString());
                                }
                            }
                        }

                        if (choice.TryGetProperty("finish_reason", out var fr) && fr.ValueKind == JsonValueKind.String)
                        {
                            t.Finish = NormalizeFinish(fr.GetString());
                        }
                    }

                    if (root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
                    {
                        t.UsageSeen = true;
                        t.Usage.Input = u.GetProperty("prompt_tokens").GetInt64();
                        t.Usage.Output = u.GetProperty("completion_tokens").GetInt64();
                        if (u.TryGetProperty("prompt_tokens_details", out var pd) && pd.TryGetProperty("cached_tokens", out var ct))
                        {
                            t.Usage.CachedInput = ct.GetInt64();
                        }

                        if (u.TryGetProperty("completion_tokens_details", out var cd) && cd.TryGetProperty("reasoning_tokens", out var rt))
                        {
                            t.Usage.Reasoning = rt.GetInt64();
                        }
                    }

                    break;
                case Wire.AnthropicMessages:
                    switch (root.GetProperty("type").GetString())
                    {
                        case "message_start":
                            ReadAnthropicUsage(t, root.GetProperty("message").GetProperty("usage"));
                            break;
                        case "content_block_start":
                            var block = root.GetProperty("content_block");
                            if (block.GetProperty("type").GetString() == "tool_use")
                            {
                                t.Tools.Add(new ToolCall(block.GetProperty("id").GetString()!, block.GetProperty("name").GetString()!));
                            }

                            break;
                        case "content_block_delta":
                            var d = root.GetProperty("delta");
                            switch (d.GetProperty("type").GetString())
                            {
                                case "text_delta": t.Text.Append(d.GetProperty("text").GetString()); break;
                                case "thinking_delta": t.Thinking.Append(d.GetProperty("thinking").GetString()); break;
                                case "signature_delta": t.Signature.Append(d.GetProperty("signature").GetString()); break;
                                case "input_json_delta": t.Tools[^1].Arguments.Append(d.GetProperty("partial_json").GetString()); break;
                            }

                            break;
                        case "message_delta":
                            t.Finish = NormalizeFinish(root.GetProperty("delta").GetProperty("stop_reason").GetString());
                            t.UsageSeen = true;
                            ReadAnthropicUsage(t, root.GetProperty("usage"));
                            break;
                    }

                    break;
                default:
                    var type = root.GetProperty("type").GetString();
                    switch (type)
                    {
                        case "response.output_text.delta": t.Text.Append(root.GetProperty("delta").GetString()); break;
                        case "response.reasoning_summary_text.delta": t.Thinking.Append(root.GetProperty("delta").GetString()); break;
                        case "response.output_item.added":
                            var item = root.GetProperty("item");
                            if (item.GetProperty("type").GetString() == "function_call")
                            {
                                t.Tools.Add(new ToolCall(item.GetProperty("call_id").GetString()!, item.GetProperty("name").GetString()!));
                            }

                            break;
                        case "response.output_item.done":
                            var done = root.GetProperty("item");
                            if (done.TryGetProperty("encrypted_content", out var enc))
                            {
                                t.Signature.Append(enc.GetString());
                            }

                            break;
                        case "response.function_call_arguments.delta": t.Tools[^1].Arguments.Append(root.GetProperty("delta").GetString()); break;
                        case "response.completed" or "response.incomplete":
                            status = type == "response.completed" ? "completed" : "incomplete";
                            ReadResponsesUsage(t, root.GetProperty("response").GetProperty("usage"));
                            break;
                    }

                    break;
            }
        }

        if (wire == Wire.OpenAiResponses)
        {
            t.Finish = status == "incomplete" ? "length" : t.Tools.Count > 0 ? "tool" : status == "" ? "none" : "stop";
        }

        return t;
    }

    public static void ReadAnthropicUsage(Transcript t, JsonElement u)
    {
        long Get(string name) => u.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        if (u.TryGetProperty("input_tokens", out _))
        {
            t.Usage.CachedInput = Get("cache_read_input_tokens");
            t.Usage.CacheWrite = Get("cache_creation_input_tokens");
            t.Usage.Input = Get("input_tokens") + t.Usage.CachedInput + t.Usage.CacheWrite;
        }

        t.Usage.Output = Get("output_tokens");
    }

    public static void ReadResponsesUsage(Transcript t, JsonElement u)
    {
        t.UsageSeen = true;
        t.Usage.Input = u.GetProperty("input_tokens").GetInt64();
        t.Usage.Output = u.GetProperty("output_tokens").GetInt64();
        t.Usage.CachedInput = u.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64();
        t.Usage.Reasoning = u.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt64();
    }
}
