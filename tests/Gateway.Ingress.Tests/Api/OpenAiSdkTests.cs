using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using Gateway.Ingress.Tests.Fakes;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.Ingress.Tests.Api;

/// <summary>The official OpenAI .NET SDK (2.15) against the Ingress.</summary>
[Collection(IngressCollection.Name)]
public sealed class OpenAiSdkTests(IngressFixture fixture)
{
    private ChatClient Client(string key, string model = FakeDependencies.Model) => new(model, new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri($"http://127.0.0.1:{fixture.PublicPort}/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(60),
    });

    [Fact]
    public async Task CompleteChat_ReturnsTheUpstreamAnswerAndUsage()
    {
        ChatCompletion completion = await Client(FakeDependencies.ValidKey).CompleteChatAsync([new UserChatMessage("say hi")]);
        Assert.Equal(FakeOpenAiUpstream.CompletionText, completion.Content[0].Text);
        Assert.Equal(20, completion.Usage.InputTokenCount);
        Assert.Equal(7, completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_StreamsTextAndUsage()
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in Client(FakeDependencies.ValidKey).CompleteChatStreamingAsync([new UserChatMessage("say hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.Equal("Hello tok1 tok2", text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(11, usage.InputTokenCount);
        Assert.Equal(3, usage.OutputTokenCount);
    }

    [Theory]
    [InlineData("sk-wrong-key", 401)]
    [InlineData(FakeDependencies.RateLimitedKey, 429)]
    public async Task CompleteChat_RefusedKey_SurfacesTheStatus(string key, int status)
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client(key).CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(status, error.Status);
    }

    [Fact]
    public async Task CompleteChat_UnknownModel_Surfaces404()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client(FakeDependencies.ValidKey, "no-such-model").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.Message, StringComparison.Ordinal);
    }
}
