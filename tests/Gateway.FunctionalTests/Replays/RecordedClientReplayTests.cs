using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Testing;

namespace Gateway.FunctionalTests.Replays;

/// <summary>
/// Requests recorded from real clients (Fixtures/client-requests, copied from shared/fixtures: OpenAI .NET and Node
/// SDKs, Anthropic Node SDKs 0.x and 1.x, Claude Code, Codex CLI) replayed through the whole stack as sent, with a
/// gateway key and the body's model replaced by every simulated model that fits the request. Each answer must be one
/// its client accepts: 200, JSON that parses with the fields the client reads, and for streams every event parsing
/// and the client's own terminal event (<c>data: [DONE]</c>, <c>message_stop</c>, <c>response.completed</c>).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RecordedClientReplayTests(GatewayStackFixture stack) : IAsyncLifetime
{
    private const string AllModels = "(catalog)";

    /// <summary>A simulated model per upstream wire, plus sim-basic (openai-chat without tools or vision).</summary>
    private static readonly string[] CompletionModels = ["sim-gpt", "sim-claude", "sim-responses", "sim-basic"];

    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "content-type", "connection", "accept-encoding", "transfer-encoding",
        "authorization", "x-api-key",
    };

    private static readonly string FixtureDirectory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "client-requests");

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(90) };
    private string _apiKey = "";

    public Task InitializeAsync() => InitializeKeyAsync();

    public Task DisposeAsync()
    {
        _http.Dispose();
        return Task.CompletedTask;
    }

    private enum Kind
    {
        Other,
        Chat,
        Messages,
        CountTokens,
        Responses,
        Embeddings,
        ModelsList,
        ModelsGet,
    }

    /// <summary>(file, index in the file, model) for every replayable recorded request and each model that fits it.</summary>
    public static TheoryData<string, int, string> Replays()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var file in Directory.GetFiles(FixtureDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            using var recording = JsonDocument.Parse(File.ReadAllBytes(file));
            var index = 0;
            foreach (var request in recording.RootElement.EnumerateArray())
            {
                foreach (var model in ModelsFor(request))
                {
                    data.Add(Path.GetFileName(file), index, model);
                }

                index++;
            }
        }

        return data;
    }

    [Fact]
    public void Replays_Fixtures_CoverEveryClientAndSurface()
    {
        var files = Directory.GetFiles(FixtureDirectory, "*.json").Select(f => Path.GetFileName(f)!).ToList();
        var cases = Replays();

        Assert.Contains("claude-code-p-say-hi-quiet-env.json", files);
        Assert.Contains("codex-exec-say-hi.json", files);
        foreach (var kind in new[] { "chat", "messages", "count-tokens", "responses", "embeddings", "models" })
        {
            Assert.Contains(files, f => f.Contains(kind, StringComparison.Ordinal));
        }

        Assert.True(cases.Count() > 100, $"every recording × model: {cases.Count()} cases");
    }

    [Theory]
    [MemberData(nameof(Replays))]
    public async Task Replay_RecordedRequestWithModel_ClientAcceptsAnswer(string file, int index, string model)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = deadline.Token;
        using var recording = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(FixtureDirectory, file), ct));
        var recorded = recording.RootElement[index];
        var kind = KindOf(recorded);
        var url = kind == Kind.ModelsGet ? "v1/models/" + Uri.EscapeDataString(model) : recorded.GetProperty("rawUrl").GetString()!.TrimStart('/');

        using var request = new HttpRequestMessage(new HttpMethod(recorded.GetProperty("method").GetString()!), new Uri(stack.PublicBaseUrl, url));
        var headers = recorded.GetProperty("headers");
        foreach (var header in headers.EnumerateObject().Where(h => !SkippedHeaders.Contains(h.Name)))
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
        }

        // The client's own way of sending its key, with the gateway key instead.
        if (headers.TryGetProperty("x-api-key", out _))
        {
            request.Headers.TryAddWithoutValidation("x-api-key", _apiKey);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }

        JsonNode? body = null;
        if (recorded.TryGetProperty("body", out var recordedBody) && recordedBody.ValueKind == JsonValueKind.Object)
        {
            body = JsonNode.Parse(recordedBody.GetRawText())!;
            if (model != AllModels)
            {
                body["model"] = model;
            }

            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        var stream = body?["stream"]?.GetValueKind() == JsonValueKind.True;

        using var response = await SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);

        Assert.True(
            response.StatusCode == HttpStatusCode.OK,
            $"{file}[{index}] as {model}: HTTP {(int)response.StatusCode}: {Truncate(text)}");
        try
        {
            switch (kind)
            {
                case Kind.Chat when stream:
                    AssertChatStream(text, body!);
                    break;
                case Kind.Chat:
                    AssertChatCompletion(text);
                    break;
                case Kind.Messages when stream:
                    AssertMessagesStream(text);
                    break;
                case Kind.Messages:
                    AssertMessage(text);
                    break;
                case Kind.Responses when stream:
                    AssertResponsesStream(text);
                    break;
                case Kind.Responses:
                    AssertResponse(text);
                    break;
                case Kind.CountTokens:
                    using (var json = JsonDocument.Parse(text))
                    {
                        Assert.True(json.RootElement.GetProperty("input_tokens").GetInt64() > 0, "input_tokens > 0");
                    }

                    break;
                case Kind.Embeddings:
                    AssertEmbeddings(text, body!);
                    break;
                case Kind.ModelsList:
                    AssertModelsList(text, anthropic: headers.TryGetProperty("anthropic-version", out _));
                    break;
                case Kind.ModelsGet:
                    using (var json = JsonDocument.Parse(text))
                    {
                        Assert.Equal(model, json.RootElement.GetProperty("id").GetString());
                    }

                    break;
                default:
                    Assert.Fail($"{file}[{index}] is not a replayable request");
                    break;
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Assert.Fail($"{file}[{index}] as {model}: {ex.GetType().Name}: {ex.Message}\n{Truncate(text)}");
        }
    }

    // One key for every replay: well above the default 60 requests per minute the replays would otherwise exceed.
    private async Task InitializeKeyAsync() => _apiKey = (await stack.CreateKeyAsync(rpmLimit: 10_000)).ApiKey;

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
        await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);

    private static Kind KindOf(JsonElement recorded)
    {
        var method = recorded.GetProperty("method").GetString();
        var path = recorded.GetProperty("path").GetString()!;
        return (method, path) switch
        {
            ("POST", "/v1/chat/completions") => Kind.Chat,
            ("POST", "/v1/messages") => Kind.Messages,
            ("POST", "/v1/messages/count_tokens") => Kind.CountTokens,
            ("POST", "/v1/responses") => Kind.Responses,
            ("POST", "/v1/embeddings") => Kind.Embeddings,
            ("GET", "/v1/models") => Kind.ModelsList,
            ("GET", _) when path.StartsWith("/v1/models/", StringComparison.Ordinal) => Kind.ModelsGet,
            _ => Kind.Other,
        };
    }

    /// <summary>
    /// Every simulated model for completions (sim-basic only when the request offers no tools, sends no images and asks
    /// for no JSON output: it has none of those capabilities, so the gateway refuses such a request with a 400); sim-gpt for embeddings (the catalog's embedding-capable model); each model for a models retrieve;
    /// the whole catalog for a models list; nothing for a request that is not an API call (Claude Code's HEAD /).
    /// </summary>
    private static IEnumerable<string> ModelsFor(JsonElement recorded)
    {
        switch (KindOf(recorded))
        {
            case Kind.Chat or Kind.Messages or Kind.Responses or Kind.CountTokens:
                var body = recorded.GetProperty("body").GetRawText();
                var basicFits = !recorded.GetProperty("body").TryGetProperty("tools", out _)
                    && !body.Contains("\"image_url\"", StringComparison.Ordinal)
                    && !body.Contains("\"input_image\"", StringComparison.Ordinal)
                    && !body.Contains("\"type\":\"image\"", StringComparison.Ordinal)
                    && !recorded.GetProperty("body").TryGetProperty("response_format", out _)
                    && !body.Contains("\"json_schema\"", StringComparison.Ordinal)
                    && !body.Contains("\"json_object\"", StringComparison.Ordinal);
                return CompletionModels.Where(m => m != "sim-basic" || basicFits);
            case Kind.Embeddings:
                return ["sim-gpt"];
            case Kind.ModelsGet:
                return CompletionModels;
            case Kind.ModelsList:
                return [AllModels];
            default:
                return [];
        }
    }

    private static void AssertChatCompletion(string text)
    {
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("id").GetString()));
        var choice = root.GetProperty("choices")[0];
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        var finish = choice.GetProperty("finish_reason").GetString();
        if (finish == "tool_calls")
        {
            foreach (var call in message.GetProperty("tool_calls").EnumerateArray())
            {
                Assert.False(string.IsNullOrEmpty(call.GetProperty("id").GetString()));
                using var _ = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
            }
        }
        else
        {
            Assert.Contains(finish, new[] { "stop", "length" });
            Assert.False(string.IsNullOrEmpty(message.GetProperty("content").GetString()), "the message has content");
        }

        var usage = root.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt64() > 0);
        Assert.True(usage.GetProperty("completion_tokens").GetInt64() > 0);
    }

    private static void AssertChatStream(string text, JsonNode body)
    {
        var events = ServerSentEvents.Parse(text);
        Assert.True(events.Count >= 2, $"{events.Count} events");
        Assert.Equal("[DONE]", events[^1].Data);
        var content = new StringBuilder();
        var arguments = new Dictionary<int, StringBuilder>();
        string? finish = null;
        var usageSeen = false;
        foreach (var e in events.Take(events.Count - 1))
        {
            using var chunk = JsonDocument.Parse(e.Data);
            var root = chunk.RootElement;
            Assert.False(root.TryGetProperty("error", out _), $"an error chunk: {e.Data}");
            Assert.Equal("chat.completion.chunk", root.GetProperty("object").GetString());
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                usageSeen = true;
                Assert.True(usage.GetProperty("completion_tokens").GetInt64() > 0);
            }

            foreach (var choice in root.GetProperty("choices").EnumerateArray())
            {
                var delta = choice.GetProperty("delta");
                if (delta.TryGetProperty("content", out var piece) && piece.ValueKind == JsonValueKind.String)
                {
                    content.Append(piece.GetString());
                }

                if (delta.TryGetProperty("tool_calls", out var calls))
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        var i = call.GetProperty("index").GetInt32();
                        if (!arguments.TryGetValue(i, out var sb))
                        {
                            arguments[i] = sb = new StringBuilder();
                            Assert.False(string.IsNullOrEmpty(call.GetProperty("id").GetString()), "the first delta of a call has its id");
                        }

                        if (call.TryGetProperty("function", out var function) && function.TryGetProperty("arguments", out var args))
                        {
                            sb.Append(args.GetString());
                        }
                    }
                }

                if (choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String)
                {
                    finish = reason.GetString();
                }
            }
        }

        Assert.NotNull(finish);
        Assert.True(content.Length > 0 || arguments.Count > 0, "the stream carries content or a tool call");
        foreach (var sb in arguments.Values)
        {
            using var _ = JsonDocument.Parse(sb.ToString());
        }

        if (body["stream_options"]?["include_usage"]?.GetValueKind() == JsonValueKind.True)
        {
            Assert.True(usageSeen, "include_usage asked for a usage chunk");
        }
    }

    private static void AssertMessage(string text)
    {
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal("message", root.GetProperty("type").GetString());
        Assert.Equal("assistant", root.GetProperty("role").GetString());
        Assert.StartsWith("msg_", root.GetProperty("id").GetString());
        Assert.NotEqual(0, root.GetProperty("content").GetArrayLength());
        foreach (var block in root.GetProperty("content").EnumerateArray())
        {
            if (block.GetProperty("type").GetString() == "tool_use")
            {
                Assert.Equal(JsonValueKind.Object, block.GetProperty("input").ValueKind);
                Assert.False(string.IsNullOrEmpty(block.GetProperty("id").GetString()));
            }
        }

        Assert.False(string.IsNullOrEmpty(root.GetProperty("stop_reason").GetString()));
        Assert.True(root.GetProperty("usage").GetProperty("input_tokens").GetInt64() >= 0);
        Assert.True(root.GetProperty("usage").GetProperty("output_tokens").GetInt64() > 0);
    }

    private static void AssertMessagesStream(string text)
    {
        var events = ServerSentEvents.Parse(text);
        Assert.True(events.Count >= 2, $"{events.Count} events");
        Assert.Equal("message_start", events[0].Name);
        Assert.Equal("message_stop", events[^1].Name);
        var open = new Dictionary<long, StringBuilder?>();
        var closed = 0;
        var deltaSeen = false;
        var contentSeen = false;
        foreach (var e in events)
        {
            using var data = JsonDocument.Parse(e.Data);
            var root = data.RootElement;
            Assert.Equal(e.Name, root.GetProperty("type").GetString());
            switch (e.Name)
            {
                case "content_block_start":
                    var block = root.GetProperty("content_block");
                    open.Add(root.GetProperty("index").GetInt64(), block.GetProperty("type").GetString() == "tool_use" ? new StringBuilder() : null);
                    break;
                case "content_block_delta":
                    var delta = root.GetProperty("delta");
                    contentSeen = true;
                    if (delta.GetProperty("type").GetString() == "input_json_delta")
                    {
                        open[root.GetProperty("index").GetInt64()]!.Append(delta.GetProperty("partial_json").GetString());
                    }

                    break;
                case "content_block_stop":
                    closed++;
                    if (open[root.GetProperty("index").GetInt64()] is { } json)
                    {
                        using var _ = JsonDocument.Parse(json.Length == 0 ? "{}" : json.ToString());
                    }

                    break;
                case "message_delta":
                    deltaSeen = true;
                    Assert.False(string.IsNullOrEmpty(root.GetProperty("delta").GetProperty("stop_reason").GetString()));
                    Assert.True(root.GetProperty("usage").GetProperty("output_tokens").GetInt64() > 0);
                    break;
                case "error":
                    Assert.Fail($"an error event: {e.Data}");
                    break;
            }
        }

        Assert.True(contentSeen, "the stream has content deltas");
        Assert.True(open.Count > 0 && open.Count == closed, $"every block closed (Claude Code needs content_block_stop): {open.Count} started, {closed} stopped");
        Assert.True(deltaSeen, "message_delta carries the stop reason and usage");
    }

    private static void AssertResponse(string text)
    {
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal("response", root.GetProperty("object").GetString());
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.NotEqual(0, root.GetProperty("output").GetArrayLength());
        AssertOutputItems(root.GetProperty("output"));
        Assert.True(root.GetProperty("usage").GetProperty("output_tokens").GetInt64() > 0);
    }

    private static void AssertResponsesStream(string text)
    {
        var events = ServerSentEvents.Parse(text);
        Assert.True(events.Count >= 2, $"{events.Count} events");
        Assert.Equal("response.created", events[0].Name);
        Assert.Equal("response.completed", events[^1].Name);
        var itemsDone = 0;
        foreach (var e in events)
        {
            using var data = JsonDocument.Parse(e.Data);
            Assert.Equal(e.Name, data.RootElement.GetProperty("type").GetString());
            if (e.Name == "response.output_item.done")
            {
                itemsDone++;
            }
        }

        Assert.True(itemsDone > 0, "response.output_item.done (Codex shows nothing without it)");
        using var completed = JsonDocument.Parse(events[^1].Data);
        var response = completed.RootElement.GetProperty("response");
        Assert.Equal("completed", response.GetProperty("status").GetString());
        AssertOutputItems(response.GetProperty("output"));
        Assert.True(response.GetProperty("usage").GetProperty("output_tokens").GetInt64() > 0);
    }

    private static void AssertOutputItems(JsonElement output)
    {
        foreach (var item in output.EnumerateArray())
        {
            switch (item.GetProperty("type").GetString())
            {
                case "function_call":
                    Assert.False(string.IsNullOrEmpty(item.GetProperty("call_id").GetString()));
                    using (JsonDocument.Parse(item.GetProperty("arguments").GetString()!))
                    {
                    }

                    break;
                case "message":
                    Assert.NotEqual(0, item.GetProperty("content").GetArrayLength());
                    break;
            }
        }
    }

    private static void AssertEmbeddings(string text, JsonNode body)
    {
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        var input = body["input"]!;
        var expected = input.GetValueKind() == JsonValueKind.Array && input.AsArray().FirstOrDefault()?.GetValueKind() != JsonValueKind.Number
            ? input.AsArray().Count
            : 1;
        Assert.Equal(expected, root.GetProperty("data").GetArrayLength());
        foreach (var item in root.GetProperty("data").EnumerateArray())
        {
            Assert.Contains(item.GetProperty("embedding").ValueKind, new[] { JsonValueKind.Array, JsonValueKind.String });
        }

        Assert.True(root.GetProperty("usage").GetProperty("prompt_tokens").GetInt64() > 0);
    }

    private static void AssertModelsList(string text, bool anthropic)
    {
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        if (anthropic)
        {
            Assert.Equal(JsonValueKind.False, root.GetProperty("has_more").ValueKind);
            Assert.All(root.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("type").GetString()));
        }
        else
        {
            Assert.Equal("list", root.GetProperty("object").GetString());
            Assert.All(root.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("object").GetString()));
        }

        var ids = root.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToHashSet();
        foreach (var model in CompletionModels)
        {
            Assert.Contains(model, ids);
        }
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000] + "…";
}
