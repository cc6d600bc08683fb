using System.ClientModel;
using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using Gateway.Simulator.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.Simulator.Tests.Tools;

/// <summary>The official SDKs parse tool calls, structured output, thinking and reasoning usage, and finish a round trip.</summary>
public sealed class ToolSdkTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Fact]
    public async Task OpenAiSdk_ForcedToolThenResult_RoundTripEndsInText()
    {
        using var deadline = Wire.Deadline();
        var client = OpenAiChat();
        var tool = ChatTool.CreateFunctionTool("lookup", "test tool", BinaryData.FromString(Schemas.Rich));
        var options = new ChatCompletionOptions { Tools = { tool }, ToolChoice = ChatToolChoice.CreateFunctionChoice("lookup") };
        List<ChatMessage> messages = [new UserChatMessage("find it")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options, deadline.Token);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("lookup", call.FunctionName);
        SchemaValidator.AssertValid(Schemas.Rich, call.FunctionArguments.ToString());

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "{\"found\":true}"));
        ChatCompletion second = await client.CompleteChatAsync(messages, options, deadline.Token);

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(second.Content).Text));
    }

    [Fact]
    public async Task OpenAiSdk_StreamingToolCall_ReassemblesArguments()
    {
        using var deadline = Wire.Deadline();
        var client = OpenAiChat();
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool("lookup", "test tool", BinaryData.FromString(Schemas.Rich)) },
            ToolChoice = ChatToolChoice.CreateRequiredChoice(),
        };
        var arguments = new StringBuilder();
        string? name = null;
        string? id = null;
        var fragments = 0;
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("go")], options, deadline.Token))
        {
            foreach (var toolUpdate in update.ToolCallUpdates)
            {
                Assert.Equal(0, toolUpdate.Index);
                name ??= toolUpdate.FunctionName;
                id ??= toolUpdate.ToolCallId;
                var piece = toolUpdate.FunctionArgumentsUpdate?.ToString() ?? string.Empty;
                if (piece.Length > 0)
                {
                    fragments++;
                    arguments.Append(piece);
                }
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("lookup", name);
        Assert.StartsWith("call_", id);
        Assert.True(fragments >= 3);
        SchemaValidator.AssertValid(Schemas.Rich, arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(fragments, usage!.OutputTokenCount);
    }

    [Fact]
    public async Task OpenAiSdk_JsonSchemaResponseFormat_ContentValidAgainstSchema()
    {
        using var deadline = Wire.Deadline();
        var client = OpenAiChat();
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("thing", BinaryData.FromString(Schemas.Rich), jsonSchemaIsStrict: true),
        };

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("describe")], options, deadline.Token);

        SchemaValidator.AssertValid(Schemas.Rich, Assert.Single(completion.Content).Text);
    }

    [Fact]
    public async Task OpenAiSdk_ReasoningEffort_ReportsReasoningTokensInsideOutputTokens()
    {
        using var deadline = Wire.Deadline();
        var client = OpenAiChat();
#pragma warning disable OPENAI001 // reasoning effort is marked experimental in the SDK; the wire field is stable.
        var options = new ChatCompletionOptions { ReasoningEffortLevel = ChatReasoningEffortLevel.High };
#pragma warning restore OPENAI001

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("think [sim tokens=5]")], options, deadline.Token);

        Assert.Equal(32, completion.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Equal(5 + 32, completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task AnthropicSdk_ForcedTool_ParsesToolUseBlock()
    {
        using var deadline = Wire.Deadline();
        var client = AnthropicClient();

        var message = await client.Messages.Create(
            new MessageCreateParams
            {
                Model = "claude-sonnet-4-5",
                MaxTokens = 1024,
                Messages = [new UserMessageParam("find it")],
                Tools = [new Tool { Name = "lookup", InputSchema = RichInputSchema() }],
                ToolChoice = new ToolChoiceTool { Name = "lookup" },
            },
            deadline.Token);

        message.Validate();
        Assert.Equal(StopReason.ToolUse, message.StopReason!.Value());
        Assert.True(Assert.Single(message.Content).TryPickToolUse(out var toolUse));
        Assert.Equal("lookup", toolUse.Name);
        SchemaValidator.AssertValid(Schemas.Rich, JsonSerializer.Serialize(toolUse.Input));
    }

    [Fact]
    public async Task AnthropicSdk_StreamingThinkingAndTool_EveryEventParses()
    {
        using var deadline = Wire.Deadline();
        var client = AnthropicClient();
        var thinking = new StringBuilder();
        var arguments = new StringBuilder();
        string? signature = null;
        long? outputTokens = null;
        var deltas = 0;

        await foreach (var streamEvent in client.Messages.CreateStreaming(
            new MessageCreateParams
            {
                Model = "claude-sonnet-4-5",
                MaxTokens = 4096,
                Thinking = new ThinkingConfigEnabled { BudgetTokens = 2048 },
                Messages = [new UserMessageParam("use a tool")],
                Tools = [new Tool { Name = "lookup", InputSchema = RichInputSchema() }],
            },
            deadline.Token))
        {
            streamEvent.Validate();
            if (streamEvent.TryPickContentBlockDelta(out var delta))
            {
                if (delta.Delta.TryPickThinking(out var thinkingDelta))
                {
                    thinking.Append(thinkingDelta.Thinking);
                    deltas++;
                }
                else if (delta.Delta.TryPickSignature(out var signatureDelta))
                {
                    signature = signatureDelta.Signature;
                }
                else if (delta.Delta.TryPickInputJson(out var json))
                {
                    arguments.Append(json.PartialJson);
                    deltas++;
                }
            }

            if (streamEvent.TryPickDelta(out var messageDelta))
            {
                outputTokens = messageDelta.Usage.OutputTokens;
            }
        }

        Assert.True(thinking.Length > 0);
        Assert.False(string.IsNullOrEmpty(signature));
        Convert.FromBase64String(signature!);
        SchemaValidator.AssertValid(Schemas.Rich, arguments.ToString());
        Assert.Equal(deltas, outputTokens);
    }

    private static InputSchema RichInputSchema()
    {
        using var document = JsonDocument.Parse(Schemas.Rich);
        return InputSchema.FromRawUnchecked(document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
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
