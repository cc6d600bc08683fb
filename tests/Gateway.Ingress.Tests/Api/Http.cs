using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Gateway.Ingress.Tests.Api;

/// <summary>Request builders and envelope checks for the OpenAI surface.</summary>
internal static class Http
{
    public static string Body(string model, bool stream = false, bool includeUsage = false, string extra = "") =>
        "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"PROMPT-SECRET-TEXT say hi\"}]"
        + (stream ? ",\"stream\":true" : string.Empty)
        + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : string.Empty)
        + extra + "}";

    public static HttpRequestMessage Chat(string body, string? key = Fakes.FakeDependencies.ValidKey, string path = "/v1/chat/completions",
        string? simId = null, string? mode = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        // Streaming is decided by the body, never by Accept: send what the SDKs send.
        request.Headers.Accept.ParseAdd("application/json");
        if (simId is not null)
        {
            request.Headers.Add("x-sim-id", simId);
        }

        if (mode is not null)
        {
            request.Headers.Add("x-sim-mode", mode);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static async Task<JsonObject> AssertEnvelopeAsync(HttpResponseMessage response, int status, string? code, string? type = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(text)!.AsObject();
        var error = json["error"]!.AsObject();
        Assert.Equal(["message", "type", "param", "code"], error.Select(p => p.Key).ToArray());
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(error["type"]!.GetValue<string>()));
        Assert.Equal(code, error["code"]?.GetValue<string>());
        if (type is not null)
        {
            Assert.Equal(type, error["type"]!.GetValue<string>());
        }

        return error;
    }

    /// <summary>Checks Anthropic's envelope <c>{"type":"error","error":{"type","message"}}</c> and the status.</summary>
    public static async Task<JsonObject> AssertAnthropicEnvelopeAsync(HttpResponseMessage response, int status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(["type", "error"], json.Select(p => p.Key).ToArray());
        Assert.Equal("error", json["type"]!.GetValue<string>());
        var error = json["error"]!.AsObject();
        Assert.Equal(["type", "message"], error.Select(p => p.Key).ToArray());
        Assert.Equal(type, error["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
        return error;
    }

    public static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("x-request-id").Single();
}
