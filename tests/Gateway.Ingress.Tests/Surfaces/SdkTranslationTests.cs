using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using Gateway.Ingress.Tests.Fakes;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;

namespace Gateway.Ingress.Tests.Surfaces;

#pragma warning disable OPENAI001 // The Responses client is marked experimental in the SDK.

/// <summary>The official OpenAI .NET SDK (2.15) on translated routes: tool round trips and streams it must parse.</summary>
[Collection(SimulatorIngressCollection.Name)]
public sealed class SdkTranslationTests(SimulatorIngressFixture fixture)
{
    private const string Schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";

    private Uri Endpoint => new($"http://127.0.0.1:{fixture.PublicPort}/v1");

    private ChatClient Chat(string model) => new(model, new ApiKeyCredential(FakeDependencies.ValidKey), new OpenAIClientOptions
    {
        Endpoint = Endpoint,
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(60),
    });

    private ResponsesClient Responses() => new(new ApiKeyCredential(FakeDependencies.ValidKey), new ResponsesClientOptions
    {
        Endpoint = Endpoint,
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(60),
    });

    [Theory]
    [InlineData(SimulatorIngressFixture.AnthropicModel)]
    [InlineData(SimulatorIngressFixture.ResponsesModel)]
    public async Task ChatSdk_ToolRoundTripOnAnotherWire_CallThenText(string model)
    {
        var client = Chat(model);
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("lookup", "test tool", BinaryData.FromString(Schema)) } };
        List<ChatMessage> messages = [new UserChatMessage("find it [sim tool=lookup]")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("lookup", call.FunctionName);
        Assert.Contains("city", call.FunctionArguments.ToString(), StringComparison.Ordinal);
        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "{\"found\":true}"));

        ChatCompletion second = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(second.Content).Text));
        Assert.True(second.Usage.InputTokenCount > 0);
    }

    [Theory]
    [InlineData(SimulatorIngressFixture.AnthropicModel)]
    [InlineData(SimulatorIngressFixture.ResponsesModel)]
    public async Task ChatSdk_StreamingToolCallOnAnotherWire_ArgumentsAndUsage(string model)
    {
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool("lookup", "test tool", BinaryData.FromString(Schema)) },
            ToolChoice = ChatToolChoice.CreateRequiredChoice(),
        };
        var arguments = new StringBuilder();
        string? name = null;
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;

        await foreach (var update in Chat(model).CompleteChatStreamingAsync([new UserChatMessage("go")], options))
        {
            foreach (var toolUpdate in update.ToolCallUpdates)
            {
                name ??= toolUpdate.FunctionName;
                arguments.Append(toolUpdate.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("lookup", name);
        Assert.Contains("city", System.Text.Json.JsonDocument.Parse(arguments.ToString()).RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.NotNull(usage);
        Assert.True(usage.OutputTokenCount > 0);
    }

    [Theory]
    [InlineData(SimulatorIngressFixture.ChatModel)]
    [InlineData(SimulatorIngressFixture.AnthropicModel)]
    public async Task ResponsesSdk_FunctionRoundTripOnAnotherWire_CallThenText(string model)
    {
        var client = Responses();
        var tool = ResponseTool.CreateFunctionTool("lookup", BinaryData.FromString(Schema), strictModeEnabled: false, functionDescription: "test");
        List<ResponseItem> input = [ResponseItem.CreateUserMessageItem("use the tool [sim tool=lookup]")];

        var first = await client.CreateResponseAsync(new CreateResponseOptions(model, input) { Tools = { tool } });

        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(first.Value.OutputItems));
        Assert.Equal("lookup", call.FunctionName);
        input.Add(call);
        input.Add(ResponseItem.CreateFunctionCallOutputItem(call.CallId, "{\"ok\":true}"));

        var second = await client.CreateResponseAsync(new CreateResponseOptions(model, input) { Tools = { tool } });

        Assert.Equal(ResponseStatus.Completed, second.Value.Status);
        Assert.False(string.IsNullOrWhiteSpace(second.Value.GetOutputText()));
    }

    [Theory]
    [InlineData(SimulatorIngressFixture.ChatModel)]
    [InlineData(SimulatorIngressFixture.AnthropicModel)]
    public async Task ResponsesSdk_StreamingOnAnotherWire_DeltasMatchCompletedResponse(string model)
    {
        var options = new CreateResponseOptions(model, [ResponseItem.CreateUserMessageItem("say hi [sim tokens=7]")]) { StreamingEnabled = true };
        var text = new StringBuilder();
        ResponseResult? completed = null;

        await foreach (var update in await Responses().CreateResponseStreamingAsync(options))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
            else if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.NotNull(completed);
        Assert.Equal(text.ToString(), completed.GetOutputText());
        Assert.Equal(7, completed.Usage.OutputTokenCount);
        Assert.Equal(model, completed.Model);
    }
}
