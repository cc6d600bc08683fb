using System.Text.Json;

namespace Gateway.Simulator.Tests.Infrastructure;

public enum WireKind
{
    OpenAi,
    Anthropic,
    Responses,
}

/// <summary>Wire-independent helpers for tests that run on both wires.</summary>
public static class Wires
{
    public static HttpRequestMessage Request(WireKind wire, string prompt, bool stream, params (string Name, string Value)[] headers) =>
        wire switch
        {
            WireKind.OpenAi => Wire.OpenAi(Wire.OpenAiBody(prompt, stream, includeUsage: stream), Wire.OpenAiKey, headers),
            WireKind.Responses => Wire.Responses(Wire.ResponsesBody(prompt, stream), Wire.OpenAiKey, headers),
            _ => Wire.Anthropic(Wire.AnthropicBody(prompt, stream), Wire.AnthropicKey, headers),
        };

    public static List<string> Deltas(WireKind wire, IEnumerable<SseEvent> events) => wire switch
    {
        WireKind.OpenAi => Wire.OpenAiDeltas(events),
        WireKind.Responses => Wire.ResponsesDeltas(events),
        _ => Wire.AnthropicDeltas(events),
    };

    /// <summary>
    /// Number of events before the first content delta (OpenAI role chunk; Anthropic start, block start, ping;
    /// Responses created, in_progress, output_item.added, content_part.added).
    /// </summary>
    public static int PreambleCount(WireKind wire) => wire switch
    {
        WireKind.OpenAi => 1,
        WireKind.Responses => 4,
        _ => 3,
    };

    public static bool IsTerminal(WireKind wire, SseEvent sse) => wire switch
    {
        WireKind.OpenAi => sse.Data == "[DONE]",
        WireKind.Responses => sse.Name is "response.completed" or "response.incomplete" || sse.Name?.EndsWith(".done", StringComparison.Ordinal) == true,
        _ => sse.Name is "message_stop" or "message_delta" or "content_block_stop",
    };

    /// <summary>Output tokens of a non-streaming answer.</summary>
    public static int OutputTokens(WireKind wire, JsonElement root) =>
        wire == WireKind.OpenAi
            ? root.GetProperty("usage").GetProperty("completion_tokens").GetInt32()
            : root.GetProperty("usage").GetProperty("output_tokens").GetInt32();

    /// <summary>Text of a non-streaming answer.</summary>
    public static string Text(WireKind wire, JsonElement root) => wire switch
    {
        WireKind.OpenAi => root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!,
        WireKind.Responses => root.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString()!,
        _ => root.GetProperty("content")[0].GetProperty("text").GetString()!,
    };

    /// <summary>Asserts the wire's error envelope and returns its error type.</summary>
    public static string ErrorType(WireKind wire, JsonElement root)
    {
        if (wire != WireKind.Anthropic)
        {
            var error = root.GetProperty("error");
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            Assert.True(error.TryGetProperty("param", out _));
            Assert.True(error.TryGetProperty("code", out _));
            return error.GetProperty("type").GetString()!;
        }

        Assert.Equal("error", root.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("error").GetProperty("message").GetString()));
        return root.GetProperty("error").GetProperty("type").GetString()!;
    }
}
