using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Testing;

namespace Gateway.FunctionalTests;

/// <summary>Bad input gets an OpenAI error envelope with the right status from the running stack, never a 500.</summary>
[Collection(StackCollection.Name)]
public sealed class BadInputTests(GatewayStackFixture stack) : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private string _apiKey = "";

    public async Task InitializeAsync() => _apiKey = (await stack.CreateKeyAsync()).ApiKey;

    public Task DisposeAsync()
    {
        _http.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("{\"model\": \"sim-gpt\", \"messages\": [", HttpStatusCode.BadRequest, "invalid_request_error")]
    [InlineData("not json at all", HttpStatusCode.BadRequest, "invalid_request_error")]
    [InlineData("{\"messages\": [{\"role\":\"user\",\"content\":\"hi\"}]}", HttpStatusCode.BadRequest, "invalid_request_error")]
    [InlineData("{\"model\": 42, \"messages\": [{\"role\":\"user\",\"content\":\"hi\"}]}", HttpStatusCode.BadRequest, "invalid_request_error")]
    [InlineData("{\"model\": \"no-such-model\", \"messages\": [{\"role\":\"user\",\"content\":\"hi\"}]}", HttpStatusCode.NotFound, "invalid_request_error")]
    public async Task Post_BadBody_ReturnsOpenAiEnvelope(string body, HttpStatusCode expected, string type)
    {
        using var response = await PostAsync(body, _apiKey);

        Assert.Equal(expected, response.StatusCode);
        await AssertEnvelopeAsync(response, type);
    }

    [Fact]
    public async Task Post_MissingKey_Returns401()
    {
        using var response = await PostAsync("{\"model\":\"sim-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", apiKey: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertEnvelopeAsync(response, "invalid_request_error");
    }

    [Fact]
    public async Task Post_BodyOverLimit_Returns413()
    {
        // The stack's limit is the default 32 MiB; send a little more.
        var big = new StringBuilder("{\"model\":\"sim-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"");
        big.Append('a', (32 * 1024 * 1024) + 1024);
        big.Append("\"}]}");

        // With Expect: 100-continue (what curl sends for large bodies) the gateway refuses before the upload; without
        // it the client may still be writing when the 413 arrives and sees a broken pipe instead of the answer.
        using var response = await PostAsync(big.ToString(), _apiKey, expectContinue: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertEnvelopeAsync(response, "invalid_request_error");
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string? apiKey, bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(stack.OpenAiBaseUrl + "/chat/completions"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = expectContinue;
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return await _http.SendAsync(request);
    }

    private static async Task AssertEnvelopeAsync(HttpResponseMessage response, string type)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }
}
