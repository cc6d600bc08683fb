using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests;

/// <summary>
/// Requests recorded from real clients (OpenAI .NET and Node SDKs, Anthropic Node SDKs 0.x and 1.x, Claude Code;
/// copied from shared/fixtures/client-requests) replayed as sent: each must get a 200 and a well-formed answer.
/// </summary>
public sealed class FixtureReplayTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "content-type", "connection", "accept-encoding", "transfer-encoding",
    };

    public static TheoryData<string, int> Recordings()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in Directory.GetFiles(FixtureDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            using var recording = JsonDocument.Parse(File.ReadAllBytes(file));
            for (var i = 0; i < recording.RootElement.GetArrayLength(); i++)
            {
                data.Add(Path.GetFileName(file), i);
            }
        }

        return data;
    }

    [Fact]
    public void Recordings_Present_CoverBothWires()
    {
        var files = Directory.GetFiles(FixtureDirectory, "*.json").Select(Path.GetFileName).ToList();

        Assert.Contains(files, f => f!.StartsWith("openai", StringComparison.Ordinal));
        Assert.Contains(files, f => f!.StartsWith("anthropic", StringComparison.Ordinal));
        Assert.Contains("claude-code-p-say-hi-quiet-env.json", files);
        Assert.Contains("codex-exec-say-hi.json", files);
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public async Task Replay_RecordedRequest_WellFormed200(string file, int index)
    {
        using var recording = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(FixtureDirectory, file)));
        var recorded = recording.RootElement[index];
        var method = new HttpMethod(recorded.GetProperty("method").GetString()!);
        var url = recorded.GetProperty("rawUrl").GetString()!;
        using var request = new HttpRequestMessage(method, url);
        foreach (var header in recorded.GetProperty("headers").EnumerateObject())
        {
            if (!SkippedHeaders.Contains(header.Name))
            {
                request.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
            }
        }

        var stream = false;
        if (recorded.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.Object)
        {
            request.Content = new StringContent(body.GetRawText(), Encoding.UTF8, "application/json");
            stream = body.TryGetProperty("stream", out var streamFlag) && streamFlag.ValueKind == JsonValueKind.True;
        }

        using var deadline = Wire.Deadline();
        using var response = await Wire.SendStreamingAsync(host.Client, request, deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (method == HttpMethod.Head)
        {
            return;
        }

        var anthropic = url.StartsWith("/v1/messages", StringComparison.Ordinal);
        if (url.StartsWith("/v1/embeddings", StringComparison.Ordinal))
        {
            using var embeddings = await Wire.ReadJsonAsync(response, deadline.Token);
            var inputs = body.GetProperty("input").ValueKind == JsonValueKind.Array ? body.GetProperty("input").GetArrayLength() : 1;
            Assert.Equal(inputs, embeddings.RootElement.GetProperty("data").GetArrayLength());
            Assert.True(embeddings.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 0);
            return;
        }

        if (url.StartsWith("/v1/responses", StringComparison.Ordinal))
        {
            await AssertResponsesAsync(response, stream, deadline.Token);
            return;
        }

        if (!stream)
        {
            using var json = await Wire.ReadJsonAsync(response, deadline.Token);
            if (anthropic)
            {
                Assert.Equal("message", json.RootElement.GetProperty("type").GetString());
                Assert.True(json.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
            }
            else
            {
                Assert.Equal("chat.completion", json.RootElement.GetProperty("object").GetString());
                Assert.True(json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
            }

            return;
        }

        var events = await Wire.ReadEventsAsync(response, deadline.Token);
        if (anthropic)
        {
            Assert.Equal("message_start", events[0].Name);
            Assert.Equal("message_stop", events[^1].Name);
            Assert.All(events, e =>
            {
                using var data = JsonDocument.Parse(e.Data);
                Assert.Equal(e.Name, data.RootElement.GetProperty("type").GetString());
            });
            Assert.NotEmpty(Wire.AnthropicDeltas(events));
        }
        else
        {
            Assert.Equal("[DONE]", events[^1].Data);
            Assert.All(events.Take(events.Count - 1), e =>
            {
                using var data = JsonDocument.Parse(e.Data);
                Assert.Equal("chat.completion.chunk", data.RootElement.GetProperty("object").GetString());
            });
            Assert.NotEmpty(Wire.OpenAiDeltas(events));
        }
    }

    /// <summary>A Responses answer its clients accept: a completed response, or the full event sequence (Codex needs output_item.done and response.completed).</summary>
    private static async Task AssertResponsesAsync(HttpResponseMessage response, bool stream, CancellationToken cancellationToken)
    {
        if (!stream)
        {
            using var json = await Wire.ReadJsonAsync(response, cancellationToken);
            Assert.Equal("response", json.RootElement.GetProperty("object").GetString());
            Assert.Equal("completed", json.RootElement.GetProperty("status").GetString());
            Assert.NotEqual(0, json.RootElement.GetProperty("output").GetArrayLength());
            Assert.True(json.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
            return;
        }

        var events = await Wire.ReadEventsAsync(response, cancellationToken);
        Assert.Equal("response.created", events[0].Name);
        Assert.Equal("response.completed", events[^1].Name);
        Assert.Contains(events, e => e.Name == "response.output_item.done");
        for (var i = 0; i < events.Count; i++)
        {
            using var data = JsonDocument.Parse(events[i].Data);
            Assert.Equal(events[i].Name, data.RootElement.GetProperty("type").GetString());
            Assert.Equal(i, data.RootElement.GetProperty("sequence_number").GetInt32());
        }
    }

    private static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures");
}
