using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Surfaces;

/// <summary>The official Anthropic C# SDK (13.12) on translated routes (OpenAI Chat and Responses upstreams): every
/// message and event it receives validates.</summary>
[Collection(SimulatorIngressCollection.Name)]
public sealed class AnthropicSdkTranslationTests(SimulatorIngressFixture fixture)
{
    private const string Schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";

    private AnthropicClient Client() => new()
    {
        ApiKey = FakeDependencies.ValidKey,
        BaseUrl = $"http://127.0.0.1:{fixture.PublicPort}",
        MaxRetries = 0,
    };

    private static InputSchema WeatherSchema()
    {
        using var document = JsonDocument.Parse(Schema);
        return InputSchema.FromRawUnchecked(document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
    }

    [Theory]
    [InlineData(SimulatorIngressFixture.ChatModel)]
    [InlineData(SimulatorIngressFixture.ResponsesModel)]
    public async Task Create_OnAnotherWire_ValidMessageWithUsage(string model)
    {
        var message = await Client().Messages.Create(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 1024,
            Messages = [new UserMessageParam("say hi [sim tokens=8]")],
        });

        message.Validate();
        Assert.Equal(model, message.Model.Raw());
        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        Assert.False(string.IsNullOrWhiteSpace(text.Text));
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        Assert.Equal(8, message.Usage.OutputTokens);
        Assert.True(message.Usage.InputTokens > 0);
    }

    [Theory]
    [InlineData(SimulatorIngressFixture.ChatModel)]
    [InlineData(SimulatorIngressFixture.ResponsesModel)]
    public async Task CreateStreaming_ToolOnAnotherWire_EveryEventValidatesAndArgumentsParse(string model)
    {
        var arguments = new StringBuilder();
        string? toolName = null;
        long? outputTokens = null;
        var sawStop = false;

        await foreach (var streamEvent in Client().Messages.CreateStreaming(new MessageCreateParams
        {
            Model = model,
            MaxTokens = 1024,
            Messages = [new UserMessageParam("weather [sim tool=lookup]")],
            Tools = [new Tool { Name = "lookup", InputSchema = WeatherSchema() }],
        }))
        {
            streamEvent.Validate();
            if (streamEvent.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse))
            {
                toolName = toolUse.Name;
            }

            if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var json))
            {
                arguments.Append(json.PartialJson);
            }

            if (streamEvent.TryPickDelta(out var messageDelta))
            {
                outputTokens = messageDelta.Usage.OutputTokens;
                Assert.Equal(StopReason.ToolUse, messageDelta.Delta.StopReason!.Value());
            }

            sawStop |= streamEvent.TryPickStop(out _);
        }

        Assert.True(sawStop);
        Assert.Equal("lookup", toolName);
        using var parsed = JsonDocument.Parse(arguments.ToString());
        Assert.Equal(JsonValueKind.String, parsed.RootElement.GetProperty("city").ValueKind);
        Assert.True(outputTokens > 0);
    }
}
