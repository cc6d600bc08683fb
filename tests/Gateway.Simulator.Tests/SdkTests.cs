using System.ClientModel;
using Anthropic;
using Anthropic.Models.Messages;
using Gateway.Simulator.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.Simulator.Tests;

/// <summary>The official .NET SDKs parse the simulator's answers, streamed and not.</summary>
public sealed class SdkTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Fact]
    public async Task OpenAiSdk_CompleteChat_ParsesTextUsageAndFinishReason()
    {
        using var deadline = Wire.Deadline();
        var client = OpenAiChat();

        ChatCompletion completion = await client.CompleteChatAsync(
            [new UserChatMessage("say hi [sim tokens=6]")], new ChatCompletionOptions(), deadline.Token);

        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(completion.Content).Text));
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(6, completion.Usage.OutputTokenCount);
        Assert.Equal("gpt-4o-mini", completion.Model);
    }

    [Fact]
    public async Task OpenAiSdk_CompleteChatStreaming_CollectsDeltasAndUsage()
    {
        using var deadline = Wire.Deadline();
        var client = OpenAiChat();
        var text = new System.Text.StringBuilder();
        var deltas = 0;
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in client.CompleteChatStreamingAsync(
            [new UserChatMessage("say hi [sim tokens=9]")], new ChatCompletionOptions { MaxOutputTokenCount = 5 }, deadline.Token))
        {
            // The first chunk carries the role and an empty content, as OpenAI's does.
            foreach (var part in update.ContentUpdate.Where(p => p.Text.Length > 0))
            {
                text.Append(part.Text);
                deltas++;
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(5, deltas);
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(5, usage.OutputTokenCount);
        Assert.True(text.Length > 0);
    }

    [Fact]
    public async Task OpenAiSdk_StatusFault_SurfacesAsClientResultException()
    {
        using var deadline = Wire.Deadline();
        var client = OpenAiChat();

        var failure = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync(
            [new UserChatMessage("hi [sim fault=status:400]")], new ChatCompletionOptions(), deadline.Token));

        Assert.Equal(400, failure.Status);
    }

    [Fact]
    public async Task AnthropicSdk_Create_ParsesMessage()
    {
        using var deadline = Wire.Deadline();
        var client = AnthropicClient();

        var message = await client.Messages.Create(
            new MessageCreateParams
            {
                Model = "claude-sonnet-4-5",
                MaxTokens = 4,
                Messages = [new UserMessageParam("say hi [sim tokens=8]")],
            },
            deadline.Token);

        message.Validate();
        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        Assert.False(string.IsNullOrWhiteSpace(text.Text));
        Assert.NotNull(message.StopReason);
        Assert.Equal(StopReason.MaxTokens, message.StopReason.Value());
        Assert.Equal(4, message.Usage.OutputTokens);
    }

    [Fact]
    public async Task AnthropicSdk_CreateStreaming_ParsesEveryEvent()
    {
        using var deadline = Wire.Deadline();
        var client = AnthropicClient();
        var deltas = 0;
        long? outputTokens = null;
        var sawStart = false;
        var sawStop = false;

        await foreach (var streamEvent in client.Messages.CreateStreaming(
            new MessageCreateParams
            {
                Model = "claude-sonnet-4-5",
                MaxTokens = 1024,
                Messages = [new UserMessageParam("say hi [sim tokens=7]")],
            },
            deadline.Token))
        {
            streamEvent.Validate();
            sawStart |= streamEvent.TryPickStart(out _);
            sawStop |= streamEvent.TryPickStop(out _);
            if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out _))
            {
                deltas++;
            }

            if (streamEvent.TryPickDelta(out var messageDelta))
            {
                outputTokens = messageDelta.Usage.OutputTokens;
            }
        }

        Assert.True(sawStart);
        Assert.True(sawStop);
        Assert.Equal(7, deltas);
        Assert.Equal(7, outputTokens);
    }

    private ChatClient OpenAiChat() => new(
        "gpt-4o-mini",
        new ApiKeyCredential(Wire.OpenAiKey),
        new OpenAIClientOptions { Endpoint = new Uri(host.BaseAddress, "/v1"), NetworkTimeout = Wire.Timeout });

    private AnthropicClient AnthropicClient() => new()
    {
        ApiKey = Wire.AnthropicKey,
        BaseUrl = host.BaseAddress.ToString().TrimEnd('/'),
        MaxRetries = 0,
    };
}
