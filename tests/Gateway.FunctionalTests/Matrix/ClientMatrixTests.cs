using Gateway.Testing;

namespace Gateway.FunctionalTests.Matrix;

/// <summary>
/// Issue 3's acceptance matrix: every client surface, driven by its official SDK (OpenAI .NET 2.15 ChatClient and
/// ResponsesClient, Anthropic C# 13.12), against a simulated model of every upstream wire (sim-gpt: openai-chat,
/// sim-claude: anthropic-messages, sim-responses: openai-responses), through the whole running stack.
/// Same-wire cells are byte relays; the others go through the translation library.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ClientMatrixTests(GatewayStackFixture stack)
{
    private const string PlainPrompt = "Tell me something about API gateways.";

    // The simulator calls the first offered tool when the last user message holds the word "tool" (its README, Tools).
    private const string ToolPrompt = "What will the weather be in Lisbon? Use the tool.";

    private const string ToolResult = "{\"forecast\":\"sunny\",\"high\":24}";

    private const string StructuredPrompt = "Review the gateway and answer as JSON.";

    public static TheoryData<string, string, string> Cells() => MatrixCells.All();

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Matrix_SurfaceModelCase_OfficialSdkAcceptsAnswer(string surface, string model, string check)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = deadline.Token;
        var key = await stack.CreateKeyAsync(cancellationToken: ct);
        var client = SurfaceClients.Create(surface, model, key.ApiKey, stack.PublicBaseUrl);

        switch (check)
        {
            case MatrixCells.Plain:
            {
                var answer = await client.CompleteAsync(PlainPrompt, ct);
                Assert.False(string.IsNullOrWhiteSpace(answer.Text), "the answer has text");
                Assert.True(answer.InputTokens > 0, $"input tokens {answer.InputTokens}");
                Assert.True(answer.OutputTokens > 0, $"output tokens {answer.OutputTokens}");
                break;
            }

            case MatrixCells.Streamed:
            {
                var whole = await client.CompleteAsync(PlainPrompt, ct);
                var streamed = await client.StreamAsync(PlainPrompt, ct);

                // The simulator answers deterministically: the streamed text equals the non-streamed one.
                Assert.False(string.IsNullOrWhiteSpace(streamed.Text), "the stream has text");
                Assert.Equal(whole.Text, streamed.Text);
                Assert.True(streamed.InputTokens > 0, $"streamed input tokens {streamed.InputTokens}");
                Assert.Equal(whole.OutputTokens, streamed.OutputTokens);
                Assert.Equal(whole.InputTokens, streamed.InputTokens);
                break;
            }

            case MatrixCells.ToolRoundTrip:
            {
                var call = await client.CallToolAsync(ToolPrompt, ct);
                Assert.Equal(Schemas.WeatherToolName, call.Name);
                Assert.False(string.IsNullOrEmpty(call.Id), "the call has an id");
                Schemas.AssertValid(Schemas.WeatherTool, call.Arguments);

                var final = await client.AnswerToolResultAsync(ToolPrompt, call, ToolResult, ct);
                Assert.False(string.IsNullOrWhiteSpace(final.Text), "after the tool result the model answers with text");
                Assert.True(final.OutputTokens > 0, $"output tokens {final.OutputTokens}");
                break;
            }

            case MatrixCells.StreamedToolCall:
            {
                var call = await client.CallToolStreamingAsync(ToolPrompt, ct);
                Assert.Equal(Schemas.WeatherToolName, call.Name);
                Schemas.AssertValid(Schemas.WeatherTool, call.Arguments);

                // Streamed or not, the same request gets the same call (the simulator's arguments are seeded by the prompt).
                var whole = await client.CallToolAsync(ToolPrompt, ct);
                using (var streamedArguments = System.Text.Json.JsonDocument.Parse(call.Arguments))
                using (var wholeArguments = System.Text.Json.JsonDocument.Parse(whole.Arguments))
                {
                    Assert.True(
                        System.Text.Json.JsonElement.DeepEquals(wholeArguments.RootElement, streamedArguments.RootElement),
                        $"streamed arguments {call.Arguments} differ from non-streamed {whole.Arguments}");
                }

                break;
            }

            case MatrixCells.StructuredOutput:
            {
                var json = await client.StructuredAsync(StructuredPrompt, ct);
                Schemas.AssertValid(Schemas.Review, json);
                break;
            }

            case MatrixCells.StructuredViaForcedTool:
            {
                var json = await Assert.IsType<MessagesSurfaceClient>(client).StructuredViaForcedToolAsync(StructuredPrompt, ct);
                Schemas.AssertValid(Schemas.Review, json);
                break;
            }

            default:
                Assert.Fail($"unknown case {check}");
                break;
        }
    }
}
