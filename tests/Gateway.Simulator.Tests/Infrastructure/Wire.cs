using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests.Infrastructure;

/// <summary>Builds requests for both wires and reads their answers.</summary>
public static class Wire
{
    public const string OpenAiKey = "sk-test";
    public const string AnthropicKey = "sk-ant-test";

    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(20);

    public static JsonObject OpenAiBody(string prompt, bool stream = false, bool includeUsage = false, string model = "gpt-4o-mini")
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are terse." },
                new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        if (stream)
        {
            body["stream"] = true;
            if (includeUsage)
            {
                body["stream_options"] = new JsonObject { ["include_usage"] = true };
            }
        }

        return body;
    }

    public static JsonObject AnthropicBody(string prompt, bool stream = false, int maxTokens = 1024, string model = "claude-sonnet-4-5")
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = maxTokens,
            ["system"] = "You are terse.",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        if (stream)
        {
            body["stream"] = true;
        }

        return body;
    }

    public static HttpRequestMessage OpenAi(JsonNode body, string? key = OpenAiKey, params (string Name, string Value)[] headers)
    {
        var request = Post("/v1/chat/completions", body, headers);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    public static JsonObject ResponsesBody(string prompt, bool stream = false, string model = "gpt-5")
    {
        var body = new JsonObject { ["model"] = model, ["instructions"] = "You are terse.", ["input"] = prompt };
        if (stream)
        {
            body["stream"] = true;
        }

        return body;
    }

    public static HttpRequestMessage Responses(JsonNode body, string? key = OpenAiKey, params (string Name, string Value)[] headers)
    {
        var request = Post("/v1/responses", body, headers);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    /// <summary>The text and argument deltas of a Responses stream, one string per delta.</summary>
    public static List<string> ResponsesDeltas(IEnumerable<SseEvent> events)
    {
        var deltas = new List<string>();
        foreach (var sse in events)
        {
            if (sse.Name is "response.output_text.delta" or "response.function_call_arguments.delta")
            {
                using var data = JsonDocument.Parse(sse.Data);
                deltas.Add(data.RootElement.GetProperty("delta").GetString()!);
            }
        }

        return deltas;
    }

    public static HttpRequestMessage Anthropic(JsonNode body, string? key = AnthropicKey, params (string Name, string Value)[] headers)
    {
        var request = Post("/v1/messages", body, headers);
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", key);
        }

        return request;
    }

    public static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return JsonDocument.Parse(bytes);
    }

    /// <summary>Sends and returns the response once its headers arrived (the body is read by the caller).</summary>
    public static Task<HttpResponseMessage> SendStreamingAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken) =>
        client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>Reads a whole SSE answer.</summary>
    public static async Task<List<SseEvent>> ReadEventsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await new SseReader(stream).ReadAllAsync(cancellationToken);
    }

    /// <summary>
    /// The text of OpenAI content deltas and tool-argument fragments, one string per delta (the role chunk's empty
    /// content and a tool call's opening delta excluded).
    /// </summary>
    public static List<string> OpenAiDeltas(IEnumerable<SseEvent> events)
    {
        var deltas = new List<string>();
        foreach (var sse in events)
        {
            if (sse.Data == "[DONE]")
            {
                continue;
            }

            using var chunk = JsonDocument.Parse(sse.Data);
            var choices = chunk.RootElement.GetProperty("choices");
            if (choices.GetArrayLength() == 0)
            {
                continue;
            }

            var delta = choices[0].GetProperty("delta");
            if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && !delta.TryGetProperty("role", out _))
            {
                deltas.Add(content.GetString()!);
            }
            else if (delta.TryGetProperty("tool_calls", out var calls) && !calls[0].TryGetProperty("id", out _))
            {
                // Argument fragments (the first delta of a call, with its id and name, carries no fragment).
                deltas.Add(calls[0].GetProperty("function").GetProperty("arguments").GetString()!);
            }
        }

        return deltas;
    }

    /// <summary>The text of Anthropic text, thinking and input_json deltas, one string per delta (signatures excluded).</summary>
    public static List<string> AnthropicDeltas(IEnumerable<SseEvent> events)
    {
        var deltas = new List<string>();
        foreach (var sse in events)
        {
            if (sse.Name != "content_block_delta")
            {
                continue;
            }

            using var document = JsonDocument.Parse(sse.Data);
            var delta = document.RootElement.GetProperty("delta");
            switch (delta.GetProperty("type").GetString())
            {
                case "text_delta":
                    deltas.Add(delta.GetProperty("text").GetString()!);
                    break;
                case "thinking_delta":
                    deltas.Add(delta.GetProperty("thinking").GetString()!);
                    break;
                case "input_json_delta":
                    deltas.Add(delta.GetProperty("partial_json").GetString()!);
                    break;
            }
        }

        return deltas;
    }

    public static CancellationTokenSource Deadline() => new(Timeout);

    private static HttpRequestMessage Post(string path, JsonNode body, (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
