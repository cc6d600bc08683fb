using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Gateway.Testing;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.FunctionalTests;

/// <summary>The official OpenAI .NET SDK against the whole stack, served by the simulator.</summary>
[Collection(StackCollection.Name)]
public sealed class ChatCompletionsTests(GatewayStackFixture stack)
{
    private const string Model = "sim-gpt";

    private ChatClient Client(string apiKey, string model = Model) => new(
        model,
        new ApiKeyCredential(apiKey),
        new OpenAIClientOptions
        {
            Endpoint = stack.OpenAiBaseUrl,
            // A 429 must reach the test, not be retried away by the SDK.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(60),
        });

    [Fact]
    public async Task CompleteChat_ValidKey_ReturnsAnswerAndUsage()
    {
        var key = await stack.CreateKeyAsync();

        ChatCompletion completion = await Client(key.ApiKey).CompleteChatAsync(
            [new SystemChatMessage("You are terse."), new UserChatMessage("Say something about gateways.")]);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_ValidKey_StreamsSameAnswerWithUsage()
    {
        var key = await stack.CreateKeyAsync();
        var client = Client(key.ApiKey);
        ChatMessage[] messages = [new UserChatMessage("Stream me a short answer, please.")];

        ChatCompletion whole = await client.CompleteChatAsync(messages);

        var text = new StringBuilder();
        var updates = 0;
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        // The simulator answers deterministically, so the streamed text equals the non-streamed one.
        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.True(updates > 2, $"expected several chunks, got {updates}");
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage); // the .NET SDK asks for usage in streams
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
    }

    [Fact]
    public async Task CompleteChat_WrongKey_Returns401()
    {
        var ex = await Assert.ThrowsAsync<ClientResultException>(
            () => Client("gw-" + new string('x', 40)).CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(401, ex.Status);
        using var error = ParseError(ex);
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task CompleteChat_RateLimitedKey_Returns429WithRetryAfter()
    {
        var key = await stack.CreateKeyAsync(rpmLimit: 2);
        var client = Client(key.ApiKey);

        await client.CompleteChatAsync([new UserChatMessage("one")]);
        await client.CompleteChatAsync([new UserChatMessage("two")]);
        var ex = await Assert.ThrowsAsync<ClientResultException>(
            () => client.CompleteChatAsync([new UserChatMessage("three")]));

        Assert.Equal(429, ex.Status);
        var raw = ex.GetRawResponse();
        Assert.NotNull(raw);
        Assert.True(raw.Headers.TryGetValue("retry-after", out var retryAfter));
        Assert.InRange(int.Parse(retryAfter!, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.True(raw.Headers.TryGetValue("x-ratelimit-limit-requests", out var limit));
        Assert.Equal("2", limit);
        using var error = ParseError(ex);
        Assert.Equal("rate_limit_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task CompleteChat_Completed_UsageVisibleThroughAdmin()
    {
        var key = await stack.CreateKeyAsync();
        var client = Client(key.ApiKey);

        ChatCompletion plain = await client.CompleteChatAsync([new UserChatMessage("count me")]);
        ChatTokenUsage? streamed = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("count me too")]))
        {
            streamed ??= update.Usage;
        }

        Assert.NotNull(streamed);
        var usage = await Eventually.WaitForAsync(
            () => stack.GetUsageAsync(key.KeyId),
            u => u.GetProperty("requests").GetInt64() >= 2,
            "two requests in the key's usage");

        Assert.Equal(2, usage.GetProperty("requests").GetInt64());
        Assert.Equal(2, usage.GetProperty("completed").GetInt64());
        Assert.Equal(plain.Usage.InputTokenCount + streamed.InputTokenCount, usage.GetProperty("inputTokens").GetInt64());
        Assert.Equal(plain.Usage.OutputTokenCount + streamed.OutputTokenCount, usage.GetProperty("outputTokens").GetInt64());
        Assert.True(usage.GetProperty("costUsd").GetDecimal() > 0m, "sim-gpt has a price, so usage has a cost");
    }

    [Fact]
    public async Task CreateKey_RpmLimitOutOfRange_Returns400NotA500()
    {
        var ex = await Assert.ThrowsAsync<Gateway.AppHost.GatewayAdminException>(
            () => stack.Admin.CreateKeyAsync("tests", "too-fast", rpmLimit: 2_000_000));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Contains("rpm", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static JsonDocument ParseError(ClientResultException ex)
    {
        var body = ex.GetRawResponse()?.Content.ToString();
        Assert.False(string.IsNullOrEmpty(body), "the error has a body");
        return JsonDocument.Parse(body);
    }
}
