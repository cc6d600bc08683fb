using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

/// <summary>
/// Replays the requests recorded from the Anthropic SDKs (npm @anthropic-ai/sdk 1.12 with Bearer and 0.137 with
/// x-api-key; ../shared/fixtures/client-requests) against the Ingress with a fake Anthropic upstream: method, path,
/// query, headers and body as recorded, only the key swapped for a valid one. Each gets a 200 its client accepts.
/// </summary>
[Collection(IngressCollection.Name)]
public sealed class RecordedAnthropicReplayTests(IngressFixture fixture)
{
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "connection", "content-length", "transfer-encoding", "accept-encoding", "authorization", "x-api-key", "content-type",
    };

    public static TheoryData<string, int> Recordings()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestData"), "anthropic*.json").Order())
        {
            var count = JsonNode.Parse(File.ReadAllText(file))!.AsArray().Count;
            for (var i = 0; i < count; i++)
            {
                data.Add(Path.GetFileName(file), i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Recordings))]
    public async Task Replay_RecordedAnthropicSdkRequest_Gets200(string file, int index)
    {
        var entry = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file)))!.AsArray()[index]!;
        var headers = entry["headers"]!.AsObject();
        var request = new HttpRequestMessage(new HttpMethod(entry["method"]!.GetValue<string>()), entry["rawUrl"]!.GetValue<string>());
        string? body = null;
        if (entry["body"] is JsonObject json)
        {
            body = json.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(headers["content-type"]?.GetValue<string>() ?? "application/json");
        }

        foreach (var (name, value) in headers)
        {
            if (!Skipped.Contains(name))
            {
                Assert.True(request.Headers.TryAddWithoutValidation(name, value!.GetValue<string>()), name);
            }
        }

        // The recorded key is a placeholder: send a valid one the way the client did.
        if (headers.ContainsKey("x-api-key"))
        {
            request.Headers.Add("x-api-key", FakeDependencies.ValidKey);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FakeDependencies.ValidKey);
        }

        using var response = await fixture.Public.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = body is not null && JsonNode.Parse(body)!["stream"]?.GetValue<bool>() == true;
        if (stream)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
            var (events, aborted) = await sse.ReadToEndAsync();
            Assert.False(aborted);
            Assert.StartsWith("event: message_start", events[0], StringComparison.Ordinal);
            Assert.Equal("event: message_stop\ndata: {\"type\":\"message_stop\"}", events[^1]);
            return;
        }

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonNode.Parse(text)!.AsObject();
        var path = entry["path"]!.GetValue<string>();
        if (path.EndsWith("/count_tokens", StringComparison.Ordinal))
        {
            Assert.Equal(42, answer["input_tokens"]!.GetValue<int>());
        }
        else if (path.EndsWith("/models", StringComparison.Ordinal))
        {
            Assert.False(answer["has_more"]!.GetValue<bool>());
            Assert.Equal("model", answer["data"]![0]!["type"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal("message", answer["type"]!.GetValue<string>());
            Assert.Equal("claude-upstream", answer["model"]!.GetValue<string>());
        }
    }
}
