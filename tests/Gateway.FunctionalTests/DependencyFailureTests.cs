using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using Gateway.Testing;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.FunctionalTests;

/// <summary>A stack of its own: these tests stop and start its dependencies.</summary>
public sealed class FaultStackFixture : GatewayStackFixture;

/// <summary>
/// Dependencies going down: a gRPC service down gives a clear 503 without hanging the Ingress, and usage survives
/// RabbitMQ or Metering being down (no event lost, counted once).
/// </summary>
public sealed class DependencyFailureTests(FaultStackFixture stack) : IClassFixture<FaultStackFixture>
{
    private ChatClient Client(string apiKey) => new(
        "sim-gpt",
        new ApiKeyCredential(apiKey),
        new OpenAIClientOptions
        {
            Endpoint = stack.OpenAiBaseUrl,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Bounds the test, not the gateway: a hanging Ingress fails here instead of blocking the run.
            NetworkTimeout = TimeSpan.FromSeconds(30),
        });

    [Fact]
    public async Task CompleteChat_AuthDown_Returns503ThenRecovers()
    {
        var key = await stack.CreateKeyAsync();
        var client = Client(key.ApiKey);
        await client.CompleteChatAsync([new UserChatMessage("before")]);

        await stack.App.StopResourceAsync("auth");
        try
        {
            var ex = await Assert.ThrowsAsync<ClientResultException>(
                () => client.CompleteChatAsync([new UserChatMessage("while auth is down")]));
            Assert.Equal(503, ex.Status);
            using var body = JsonDocument.Parse(ex.GetRawResponse()!.Content.ToString());
            var message = body.RootElement.GetProperty("error").GetProperty("message").GetString();
            Assert.Contains("auth", message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await stack.App.StartResourceAsync("auth");
        }

        ChatCompletion after = await client.CompleteChatAsync([new UserChatMessage("after")]);
        Assert.False(string.IsNullOrEmpty(after.Content[0].Text));
    }

    [Fact]
    public async Task CompleteChat_RabbitMqDown_AnswersAndUsageArrivesAfterRestart()
    {
        var key = await stack.CreateKeyAsync();
        var client = Client(key.ApiKey);

        await stack.App.StopResourceAsync("rabbitmq");
        ChatCompletion answered;
        try
        {
            // The client is served while the broker is down; the event waits in the Ingress.
            answered = await client.CompleteChatAsync([new UserChatMessage("broker is down")]);
            Assert.False(string.IsNullOrEmpty(answered.Content[0].Text));
        }
        finally
        {
            await stack.App.StartResourceAsync("rabbitmq");
        }

        var usage = await Eventually.WaitForAsync(
            () => stack.GetUsageAsync(key.KeyId),
            u => u.GetProperty("requests").GetInt64() >= 1,
            "the usage recorded while RabbitMQ was down",
            TimeSpan.FromSeconds(90));
        Assert.Equal(answered.Usage.OutputTokenCount, usage.GetProperty("outputTokens").GetInt64());

        // Counted once: nothing more arrives later.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, (await stack.GetUsageAsync(key.KeyId)).GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task CompleteChat_MeteringDown_UsageCountedWhenItReturns()
    {
        var key = await stack.CreateKeyAsync();
        var client = Client(key.ApiKey);

        await stack.App.StopResourceAsync("metering");
        ChatCompletion answered;
        try
        {
            answered = await client.CompleteChatAsync([new UserChatMessage("metering is down")]);
        }
        finally
        {
            await stack.App.StartResourceAsync("metering");
        }

        var usage = await Eventually.WaitForAsync(
            () => stack.GetUsageAsync(key.KeyId),
            u => u.GetProperty("requests").GetInt64() >= 1,
            "the usage queued in RabbitMQ while Metering was down",
            TimeSpan.FromSeconds(60));
        Assert.Equal(1, usage.GetProperty("requests").GetInt64());
        Assert.Equal(answered.Usage.InputTokenCount, usage.GetProperty("inputTokens").GetInt64());
    }
}
