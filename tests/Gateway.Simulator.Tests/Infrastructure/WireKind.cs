using System.Text.Json;

namespace Gateway.Simulator.Tests.Infrastructure;

public enum WireKind
{
    OpenAi,
    Anthropic,
}

/// <summary>Wire-independent helpers for tests that run on both wires.</summary>
public static class Wires
{
    public static HttpRequestMessage Request(WireKind wire, string prompt, bool stream, params (string Name, string Value)[] headers) =>
        wire == WireKind.OpenAi
            ? Wire.OpenAi(Wire.OpenAiBody(prompt, stream, includeUsage: stream), Wire.OpenAiKey, headers)
            : Wire.Anthropic(Wire.AnthropicBody(prompt, stream), Wire.AnthropicKey, headers);

    public static List<string> Deltas(WireKind wire, IEnumerable<SseEvent> events) =>
        wire == WireKind.OpenAi ? Wire.OpenAiDeltas(events) : Wire.AnthropicDeltas(events);

    /// <summary>Number of events before the first content delta (OpenAI role chunk; Anthropic start, block start, ping).</summary>
    public static int PreambleCount(WireKind wire) => wire == WireKind.OpenAi ? 1 : 3;

    public static bool IsTerminal(WireKind wire, SseEvent sse) =>
        wire == WireKind.OpenAi ? sse.Data == "[DONE]" : sse.Name is "message_stop" or "message_delta" or "content_block_stop";

    /// <summary>Output tokens of a non-streaming answer.</summary>
    public static int OutputTokens(WireKind wire, JsonElement root) =>
        wire == WireKind.OpenAi
            ? root.GetProperty("usage").GetProperty("completion_tokens").GetInt32()
            : root.GetProperty("usage").GetProperty("output_tokens").GetInt32();

    /// <summary>Text of a non-streaming answer.</summary>
    public static string Text(WireKind wire, JsonElement root) =>
        wire == WireKind.OpenAi
            ? root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!
            : root.GetProperty("content")[0].GetProperty("text").GetString()!;

    /// <summary>Asserts the wire's error envelope and returns its error type.</summary>
    public static string ErrorType(WireKind wire, JsonElement root)
    {
        if (wire == WireKind.OpenAi)
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
