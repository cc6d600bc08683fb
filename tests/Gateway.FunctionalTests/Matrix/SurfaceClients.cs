using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The Responses client is marked experimental in the SDK; its wire format is stable.

namespace Gateway.FunctionalTests.Matrix;

/// <summary>What a client got from one call: the text, the usage its SDK parsed, and how the answer ended.</summary>
internal sealed record Answer(string Text, long InputTokens, long OutputTokens, string Finish);

/// <summary>A tool call as its SDK parsed it.</summary>
internal sealed record ToolCall(string Id, string Name, string Arguments);

/// <summary>One client surface driven by its official SDK. Each method asserts what that SDK must accept.</summary>
internal interface ISurfaceClient
{
    /// <summary>A non-streaming call with one user message.</summary>
    Task<Answer> CompleteAsync(string prompt, CancellationToken cancellationToken);

    /// <summary>The same call streamed; returns after the SDK's stream has ended.</summary>
    Task<Answer> StreamAsync(string prompt, CancellationToken cancellationToken);

    /// <summary>The weather tool offered (tool_choice auto); the call the model made, non-streaming.</summary>
    Task<ToolCall> CallToolAsync(string prompt, CancellationToken cancellationToken);

    /// <summary>The weather tool offered; the call the model made, reassembled from the SDK's streamed updates.</summary>
    Task<ToolCall> CallToolStreamingAsync(string prompt, CancellationToken cancellationToken);

    /// <summary>The conversation of <see cref="CallToolAsync"/> continued with the call and its result: the final answer.</summary>
    Task<Answer> AnswerToolResultAsync(string prompt, ToolCall call, string result, CancellationToken cancellationToken);

    /// <summary>The review schema asked for (see <see cref="MatrixCells.StructuredViaForcedTool"/> for Messages); the JSON text.</summary>
    Task<string> StructuredAsync(string prompt, CancellationToken cancellationToken);
}

internal static class SurfaceClients
{
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(60);

    public static ISurfaceClient Create(string surface, string model, string apiKey, Uri publicBaseUrl) => surface switch
    {
        MatrixCells.Chat => new ChatSurfaceClient(model, apiKey, new Uri(publicBaseUrl, "v1")),
        MatrixCells.Responses => new ResponsesSurfaceClient(model, apiKey, new Uri(publicBaseUrl, "v1")),
        MatrixCells.Messages => new MessagesSurfaceClient(model, apiKey, publicBaseUrl),
        _ => throw new ArgumentOutOfRangeException(nameof(surface), surface, "unknown surface"),
    };
}

/// <summary>/v1/chat/completions through the OpenAI .NET SDK.</summary>
internal sealed class ChatSurfaceClient(string model, string apiKey, Uri endpoint) : ISurfaceClient
{
    private readonly ChatClient _client = new(
        model,
        new ApiKeyCredential(apiKey),
        new OpenAIClientOptions
        {
            Endpoint = endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = SurfaceClients.NetworkTimeout,
        });

    private static ChatCompletionOptions ToolOptions() => new()
    {
        Tools = { ChatTool.CreateFunctionTool(Schemas.WeatherToolName, "The weather forecast for a city", BinaryData.FromString(Schemas.WeatherTool)) },
    };

    public async Task<Answer> CompleteAsync(string prompt, CancellationToken cancellationToken)
    {
        ChatCompletion completion = await _client.CompleteChatAsync([new UserChatMessage(prompt)], new ChatCompletionOptions(), cancellationToken);
        return new Answer(
            string.Concat(completion.Content.Select(p => p.Text)),
            completion.Usage.InputTokenCount,
            completion.Usage.OutputTokenCount,
            completion.FinishReason.ToString());
    }

    public async Task<Answer> StreamAsync(string prompt, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in _client.CompleteChatStreamingAsync([new UserChatMessage(prompt)], new ChatCompletionOptions(), cancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.True(usage is not null, "the streamed answer carries usage (the .NET SDK sends stream_options.include_usage)");
        return new Answer(text.ToString(), usage.InputTokenCount, usage.OutputTokenCount, finish?.ToString() ?? "(none)");
    }

    public async Task<ToolCall> CallToolAsync(string prompt, CancellationToken cancellationToken)
    {
        ChatCompletion completion = await _client.CompleteChatAsync([new UserChatMessage(prompt)], ToolOptions(), cancellationToken);
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        return new ToolCall(call.Id, call.FunctionName, call.FunctionArguments.ToString());
    }

    public async Task<ToolCall> CallToolStreamingAsync(string prompt, CancellationToken cancellationToken)
    {
        var arguments = new StringBuilder();
        string? id = null;
        string? name = null;
        ChatFinishReason? finish = null;
        await foreach (var update in _client.CompleteChatStreamingAsync([new UserChatMessage(prompt)], ToolOptions(), cancellationToken))
        {
            foreach (var toolUpdate in update.ToolCallUpdates)
            {
                Assert.Equal(0, toolUpdate.Index);
                id ??= toolUpdate.ToolCallId;
                name ??= toolUpdate.FunctionName;
                arguments.Append(toolUpdate.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.False(string.IsNullOrEmpty(id), "the streamed call has an id");
        return new ToolCall(id, name ?? "", arguments.ToString());
    }

    public async Task<Answer> AnswerToolResultAsync(string prompt, ToolCall call, string result, CancellationToken cancellationToken)
    {
        List<ChatMessage> messages =
        [
            new UserChatMessage(prompt),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall(call.Id, call.Name, BinaryData.FromString(call.Arguments))]),
            new ToolChatMessage(call.Id, result),
        ];
        ChatCompletion completion = await _client.CompleteChatAsync(messages, ToolOptions(), cancellationToken);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        return new Answer(
            string.Concat(completion.Content.Select(p => p.Text)),
            completion.Usage.InputTokenCount,
            completion.Usage.OutputTokenCount,
            completion.FinishReason.ToString());
    }

    public async Task<string> StructuredAsync(string prompt, CancellationToken cancellationToken)
    {
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(Schemas.ReviewName, BinaryData.FromString(Schemas.Review), jsonSchemaIsStrict: true),
        };
        ChatCompletion completion = await _client.CompleteChatAsync([new UserChatMessage(prompt)], options, cancellationToken);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        return string.Concat(completion.Content.Select(p => p.Text));
    }
}

/// <summary>/v1/responses through the OpenAI .NET SDK's ResponsesClient.</summary>
internal sealed class ResponsesSurfaceClient(string model, string apiKey, Uri endpoint) : ISurfaceClient
{
    private readonly ResponsesClient _client = new(
        new ApiKeyCredential(apiKey),
        new ResponsesClientOptions
        {
            Endpoint = endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = SurfaceClients.NetworkTimeout,
        });

    private FunctionCallResponseItem? _lastCall;

    private static ResponseTool WeatherTool() => ResponseTool.CreateFunctionTool(
        Schemas.WeatherToolName, BinaryData.FromString(Schemas.WeatherTool), strictModeEnabled: false, functionDescription: "The weather forecast for a city");

    private CreateResponseOptions Options(IEnumerable<ResponseItem> input, bool tools = false, bool stream = false)
    {
        var options = new CreateResponseOptions(model, input) { StreamingEnabled = stream ? true : null };
        if (tools)
        {
            options.Tools.Add(WeatherTool());
        }

        return options;
    }

    public async Task<Answer> CompleteAsync(string prompt, CancellationToken cancellationToken)
    {
        ResponseResult result = await _client.CreateResponseAsync(Options([ResponseItem.CreateUserMessageItem(prompt)]), cancellationToken);
        Assert.Equal(ResponseStatus.Completed, result.Status);
        return new Answer(result.GetOutputText(), result.Usage.InputTokenCount, result.Usage.OutputTokenCount, result.Status.ToString()!);
    }

    public async Task<Answer> StreamAsync(string prompt, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        ResponseResult? completed = null;
        var itemsDone = 0;
        await foreach (var update in await _client.CreateResponseStreamingAsync(
            Options([ResponseItem.CreateUserMessageItem(prompt)], stream: true), cancellationToken))
        {
            switch (update)
            {
                case StreamingResponseOutputTextDeltaUpdate delta:
                    text.Append(delta.Delta);
                    break;
                case StreamingResponseOutputItemDoneUpdate:
                    itemsDone++;
                    break;
                case StreamingResponseCompletedUpdate done:
                    completed = done.Response;
                    break;
            }
        }

        Assert.True(completed is not null, "the stream ends with response.completed");
        Assert.True(itemsDone > 0, "the stream has response.output_item.done (Codex shows nothing without it)");
        Assert.Equal(text.ToString(), completed.GetOutputText());
        return new Answer(text.ToString(), completed.Usage.InputTokenCount, completed.Usage.OutputTokenCount, completed.Status.ToString()!);
    }

    public async Task<ToolCall> CallToolAsync(string prompt, CancellationToken cancellationToken)
    {
        ResponseResult result = await _client.CreateResponseAsync(Options([ResponseItem.CreateUserMessageItem(prompt)], tools: true), cancellationToken);
        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(result.OutputItems));
        _lastCall = call;
        return new ToolCall(call.CallId, call.FunctionName, call.FunctionArguments.ToString());
    }

    public async Task<ToolCall> CallToolStreamingAsync(string prompt, CancellationToken cancellationToken)
    {
        var deltas = new StringBuilder();
        FunctionCallResponseItem? done = null;
        ResponseResult? completed = null;
        await foreach (var update in await _client.CreateResponseStreamingAsync(
            Options([ResponseItem.CreateUserMessageItem(prompt)], tools: true, stream: true), cancellationToken))
        {
            switch (update)
            {
                case StreamingResponseFunctionCallArgumentsDeltaUpdate delta:
                    deltas.Append(delta.Delta?.ToString());
                    break;
                case StreamingResponseOutputItemDoneUpdate { Item: FunctionCallResponseItem item }:
                    Assert.Null(done);
                    done = item;
                    break;
                case StreamingResponseCompletedUpdate finished:
                    completed = finished.Response;
                    break;
            }
        }

        Assert.True(completed is not null, "the stream ends with response.completed");
        Assert.True(done is not null, "the call arrives in response.output_item.done");
        Assert.Equal(done.FunctionArguments.ToString(), deltas.ToString());
        return new ToolCall(done.CallId, done.FunctionName, done.FunctionArguments.ToString());
    }

    public async Task<Answer> AnswerToolResultAsync(string prompt, ToolCall call, string result, CancellationToken cancellationToken)
    {
        // As the SDK's users (and Codex) do: the function_call output item goes back as it came (with its fc_ id).
        ResponseItem sent = _lastCall is { } last && last.CallId == call.Id
            ? last
            : ResponseItem.CreateFunctionCallItem(call.Id, call.Name, BinaryData.FromString(call.Arguments));
        List<ResponseItem> input =
        [
            ResponseItem.CreateUserMessageItem(prompt),
            sent,
            ResponseItem.CreateFunctionCallOutputItem(call.Id, result),
        ];
        ResponseResult response = await _client.CreateResponseAsync(Options(input, tools: true), cancellationToken);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.DoesNotContain(response.OutputItems, item => item is FunctionCallResponseItem);
        return new Answer(response.GetOutputText(), response.Usage.InputTokenCount, response.Usage.OutputTokenCount, response.Status.ToString()!);
    }

    public async Task<string> StructuredAsync(string prompt, CancellationToken cancellationToken)
    {
        var options = Options([ResponseItem.CreateUserMessageItem(prompt)]);
        options.TextOptions = new ResponseTextOptions
        {
            TextFormat = ResponseTextFormat.CreateJsonSchemaFormat(Schemas.ReviewName, BinaryData.FromString(Schemas.Review), jsonSchemaFormatDescription: null, jsonSchemaIsStrict: true),
        };
        ResponseResult result = await _client.CreateResponseAsync(options, cancellationToken);
        Assert.Equal(ResponseStatus.Completed, result.Status);
        return result.GetOutputText();
    }
}

/// <summary>/v1/messages through the Anthropic C# SDK.</summary>
internal sealed class MessagesSurfaceClient(string model, string apiKey, Uri publicBaseUrl) : ISurfaceClient
{
    private const long MaxTokens = 1024;

    private readonly AnthropicClient _client = new()
    {
        ApiKey = apiKey,
        BaseUrl = publicBaseUrl.ToString().TrimEnd('/'),
        MaxRetries = 0,
        Timeout = SurfaceClients.NetworkTimeout,
    };

    private static Tool ToolOf(string name, string description, string schema)
    {
        using var document = JsonDocument.Parse(schema);
        return new Tool
        {
            Name = name,
            Description = description,
            InputSchema = InputSchema.FromRawUnchecked(document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())),
        };
    }

    private static Tool WeatherTool() => ToolOf(Schemas.WeatherToolName, "The weather forecast for a city", Schemas.WeatherTool);

    // Without tools the field is left out rather than sent as null, as the SDK's users write it.
    private MessageCreateParams Params(IReadOnlyList<MessageParam> messages, bool tools = false) => tools
        ? new() { Model = model, MaxTokens = MaxTokens, Messages = messages, Tools = [WeatherTool()] }
        : new() { Model = model, MaxTokens = MaxTokens, Messages = messages };

    private static string TextOf(Message message) =>
        string.Concat(message.Content.Select(block => block.TryPickText(out var text) ? text.Text : ""));

    public async Task<Answer> CompleteAsync(string prompt, CancellationToken cancellationToken)
    {
        var message = await _client.Messages.Create(Params([new UserMessageParam(prompt)]), cancellationToken);
        message.Validate();
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        return new Answer(TextOf(message), message.Usage.InputTokens, message.Usage.OutputTokens, "end_turn");
    }

    public async Task<Answer> StreamAsync(string prompt, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        long? input = null;
        long? output = null;
        string? stopReason = null;
        var started = 0;
        var stopped = 0;
        var blocksOpen = 0;
        var blocksClosed = 0;
        await foreach (var streamEvent in _client.Messages.CreateStreaming(Params([new UserMessageParam(prompt)]), cancellationToken))
        {
            streamEvent.Validate();
            Assert.True(stopped == 0, "nothing after message_stop");
            if (streamEvent.TryPickStart(out var start))
            {
                started++;
                input = start.Message.Usage.InputTokens;
            }
            else if (streamEvent.TryPickContentBlockStart(out _))
            {
                blocksOpen++;
            }
            else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
            {
                text.Append(textDelta.Text);
            }
            else if (streamEvent.TryPickContentBlockStop(out _))
            {
                blocksClosed++;
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                output = messageDelta.Usage.OutputTokens;
                stopReason = messageDelta.Delta.StopReason?.Raw();
                if (messageDelta.Usage.InputTokens is { } deltaInput)
                {
                    input = deltaInput;
                }
            }
            else if (streamEvent.TryPickStop(out _))
            {
                stopped++;
            }
        }

        Assert.Equal(1, started);
        Assert.Equal(1, stopped);
        Assert.True(blocksOpen > 0 && blocksOpen == blocksClosed, $"every content block is closed (Claude Code needs content_block_stop): {blocksOpen} opened, {blocksClosed} closed");
        Assert.True(input is not null && output is not null, "message_start and message_delta carry usage");
        return new Answer(text.ToString(), input.Value, output.Value, stopReason ?? "(none)");
    }

    public async Task<ToolCall> CallToolAsync(string prompt, CancellationToken cancellationToken)
    {
        var message = await _client.Messages.Create(Params([new UserMessageParam(prompt)], tools: true), cancellationToken);
        message.Validate();
        Assert.Equal(StopReason.ToolUse, message.StopReason!.Value());
        var toolUses = message.Content.Where(b => b.TryPickToolUse(out _)).ToList();
        Assert.True(Assert.Single(toolUses).TryPickToolUse(out var toolUse));
        return new ToolCall(toolUse.ID, toolUse.Name, JsonSerializer.Serialize(toolUse.Input));
    }

    public async Task<ToolCall> CallToolStreamingAsync(string prompt, CancellationToken cancellationToken)
    {
        var arguments = new StringBuilder();
        string? id = null;
        string? name = null;
        string? stopReason = null;
        var stopped = false;
        await foreach (var streamEvent in _client.Messages.CreateStreaming(Params([new UserMessageParam(prompt)], tools: true), cancellationToken))
        {
            streamEvent.Validate();
            if (streamEvent.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse))
            {
                Assert.Null(id);
                (id, name) = (toolUse.ID, toolUse.Name);
            }
            else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var json))
            {
                arguments.Append(json.PartialJson);
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                stopReason = messageDelta.Delta.StopReason?.Raw();
            }
            else if (streamEvent.TryPickStop(out _))
            {
                stopped = true;
            }
        }

        Assert.True(stopped, "the stream ends with message_stop");
        Assert.Equal("tool_use", stopReason);
        Assert.False(string.IsNullOrEmpty(id), "a tool_use block started");
        return new ToolCall(id, name ?? "", arguments.ToString());
    }

    public async Task<Answer> AnswerToolResultAsync(string prompt, ToolCall call, string result, CancellationToken cancellationToken)
    {
        using var input = JsonDocument.Parse(call.Arguments);
        List<MessageParam> messages =
        [
            new UserMessageParam(prompt),
            new AssistantMessageParam(new List<ContentBlockParam>
            {
                new ToolUseBlockParam
                {
                    ID = call.Id,
                    Name = call.Name,
                    Input = input.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
                },
            }),
            new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam(call.Id) { Content = result } }),
        ];
        var message = await _client.Messages.Create(Params(messages, tools: true), cancellationToken);
        message.Validate();
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        return new Answer(TextOf(message), message.Usage.InputTokens, message.Usage.OutputTokens, "end_turn");
    }

    /// <summary>Anthropic's structured output: <c>output_config.format</c> with the review schema; the text is the JSON.</summary>
    public async Task<string> StructuredAsync(string prompt, CancellationToken cancellationToken)
    {
        using var schema = JsonDocument.Parse(Schemas.Review);
        var message = await _client.Messages.Create(
            new MessageCreateParams
            {
                Model = model,
                MaxTokens = MaxTokens,
                Messages = [new UserMessageParam(prompt)],
                OutputConfig = new OutputConfig
                {
                    Format = JsonOutputFormat.FromRawUnchecked(new Dictionary<string, JsonElement>
                    {
                        ["type"] = JsonSerializer.SerializeToElement("json_schema"),
                        ["schema"] = schema.RootElement.Clone(),
                    }),
                },
            },
            cancellationToken);
        message.Validate();
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        return TextOf(message);
    }

    /// <summary>The older pattern: the schema as a forced tool's input schema; the call's input is the JSON.</summary>
    public async Task<string> StructuredViaForcedToolAsync(string prompt, CancellationToken cancellationToken)
    {
        var message = await _client.Messages.Create(
            new MessageCreateParams
            {
                Model = model,
                MaxTokens = MaxTokens,
                Messages = [new UserMessageParam(prompt)],
                Tools = [ToolOf(Schemas.ReviewName, "Record the review", Schemas.Review)],
                ToolChoice = new ToolChoiceTool { Name = Schemas.ReviewName },
            },
            cancellationToken);
        message.Validate();
        Assert.Equal(StopReason.ToolUse, message.StopReason!.Value());
        Assert.True(Assert.Single(message.Content).TryPickToolUse(out var toolUse));
        Assert.Equal(Schemas.ReviewName, toolUse.Name);
        return JsonSerializer.Serialize(toolUse.Input);
    }
}
