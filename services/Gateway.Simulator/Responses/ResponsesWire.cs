using System.IO.Pipelines;
using System.Text.Json;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.OpenAi;
using Gateway.Simulator.Tools;

namespace Gateway.Simulator.Responses;

/// <summary>One output item of a Responses answer: a message (its text) or a function call.</summary>
internal sealed record ResponsesItem(string Id, string? Text, ToolCall? Call);

/// <summary>
/// The OpenAI Responses wire (<c>POST /v1/responses</c>): <c>input</c> as a string or items (messages, function_call,
/// function_call_output, Codex's additional_tools), <c>instructions</c>, function tools (namespace/custom/built-in tools accepted, never called),
/// <c>tool_choice</c>, <c>max_output_tokens</c>, <c>reasoning.effort</c>, <c>text.format</c>. Keys, headers and the
/// error envelope are OpenAI's.
/// </summary>
internal sealed class ResponsesWire(OpenAiWire openAi, TimeProvider time) : IWireFormat
{
    private static readonly ReadOnlyMemory<byte> GarbageJson =
        """{"id":"resp_garbage","object":"response","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"unterminated <<not json>> """u8.ToArray();

    private static readonly ReadOnlyMemory<byte> GarbageSse =
        "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\n\nevent: response.output_text.delta\ndata: <<not json>>\n\n"u8.ToArray();

    public string Name => "openai-responses";

    public ApiError MissingApiKey => openAi.MissingApiKey;

    public ApiError InvalidApiKey => openAi.InvalidApiKey;

    public string? ReadApiKey(HttpRequest request) => openAi.ReadApiKey(request);

    public ApiError? ValidateHeaders(HttpRequest request) => null;

    public ApiError ModelNotFound(string model) => openAi.ModelNotFound(model);

    public void AddResponseHeaders(HttpResponse response) => openAi.AddResponseHeaders(response);

    public Task WriteErrorAsync(HttpResponse response, ApiError error, CancellationToken cancellationToken) =>
        openAi.WriteErrorAsync(response, error, cancellationToken);

    public ParseResult Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return ParseResult.Invalid("The request body must be a JSON object.");
        }

        if (!MessageContent.TryGetString(body, "model"u8, out var model) || model.Length == 0)
        {
            return ParseResult.Invalid("Missing required parameter: 'model'.", "model");
        }

        if (!MessageContent.TryGetOptionalBool(body, "stream"u8, out var stream))
        {
            return ParseResult.Invalid("Invalid type for 'stream': expected a boolean.", "stream");
        }

        if (!MessageContent.TryGetOptionalInt(body, "max_output_tokens"u8, 1, out var maxOutputTokens))
        {
            return ParseResult.Invalid("Invalid 'max_output_tokens': expected an integer of at least 1.", "max_output_tokens");
        }

        if (!body.TryGetProperty("input"u8, out var input) || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            return ParseResult.Invalid("Missing required parameter: 'input' (a string or an array of input items).", "input");
        }

        var tools = new ToolRequest();
        if (body.TryGetProperty("tools"u8, out var toolList) && ToolParsing.ReadResponsesTools(toolList, tools) is { } badTool)
        {
            return ParseResult.Invalid($"Invalid value for '{badTool}'.", badTool);
        }

        if (!ToolParsing.TryReadOpenAiToolChoice(body, out var toolChoice))
        {
            return ParseResult.Invalid("Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or a function.", "tool_choice");
        }

        tools.Choice = toolChoice;
        if (!MessageContent.TryGetOptionalBool(body, "parallel_tool_calls"u8, out var parallel))
        {
            return ParseResult.Invalid("Invalid type for 'parallel_tool_calls': expected a boolean.", "parallel_tool_calls");
        }

        tools.ParallelAllowed = parallel || !body.TryGetProperty("parallel_tool_calls"u8, out var parallelValue) || parallelValue.ValueKind == JsonValueKind.Null;

        var reasoningTokens = 0;
        if (body.TryGetProperty("reasoning"u8, out var reasoning) && reasoning.ValueKind != JsonValueKind.Null)
        {
            if (reasoning.ValueKind != JsonValueKind.Object)
            {
                return ParseResult.Invalid("Invalid type for 'reasoning': expected an object.", "reasoning");
            }

            // A reasoning object without an effort gets the default effort, medium.
            reasoningTokens = AnswerSpec.ReasoningTokensFor(
                MessageContent.TryGetString(reasoning, "effort"u8, out var effort) ? effort : "medium");
        }

        var digest = new PromptDigest(model);
        if (MessageContent.TryGetString(body, "instructions"u8, out var instructions))
        {
            digest.BeginMessage("system");
            digest.AddText(instructions);
        }

        JsonElement? lastUser = null;
        var lastIsToolResult = false;
        if (input.ValueKind == JsonValueKind.String)
        {
            digest.BeginMessage("user");
            digest.AddText(input.GetString());
            lastUser = input;
        }
        else
        {
            var index = 0;
            foreach (var item in input.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    return ParseResult.Invalid($"Invalid 'input[{index}]': expected an object.", $"input[{index}]");
                }

                var type = MessageContent.TryGetString(item, "type"u8, out var itemType) ? itemType : "message";
                lastIsToolResult = type is "function_call_output" or "custom_tool_call_output";
                switch (type)
                {
                    case "message":
                        if (!MessageContent.TryGetString(item, "role"u8, out var role))
                        {
                            return ParseResult.Invalid($"Missing required parameter: 'input[{index}].role'.", $"input[{index}].role");
                        }

                        if (role is not ("user" or "assistant" or "system" or "developer"))
                        {
                            return ParseResult.Invalid(
                                $"Invalid value: '{role}'. Supported values are: 'assistant', 'system', 'developer', and 'user'.", $"input[{index}].role");
                        }

                        if (!item.TryGetProperty("content"u8, out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
                        {
                            return ParseResult.Invalid($"Missing required parameter: 'input[{index}].content'.", $"input[{index}].content");
                        }

                        digest.BeginMessage(role);
                        MessageContent.AddTo(digest, content);
                        if (role == "user")
                        {
                            lastUser = content;
                        }

                        break;
                    case "function_call":
                    case "custom_tool_call":
                        digest.BeginMessage("assistant");
                        digest.AddText(MessageContent.TryGetString(item, "arguments"u8, out var arguments) ? arguments
                            : MessageContent.TryGetString(item, "input"u8, out var customInput) ? customInput : string.Empty);
                        break;
                    case "additional_tools":
                        // Codex (for models it knows) declares its tools inside the input instead of in `tools`.
                        if (item.TryGetProperty("tools"u8, out var moreTools)
                            && ToolParsing.ReadResponsesTools(moreTools, tools) is { } badMoreTool)
                        {
                            return ParseResult.Invalid($"Invalid value for 'input[{index}].{badMoreTool}'.", $"input[{index}].{badMoreTool}");
                        }

                        break;
                    case "function_call_output":
                    case "custom_tool_call_output":
                        digest.BeginMessage("tool");
                        if (item.TryGetProperty("output"u8, out var output))
                        {
                            MessageContent.AddTo(digest, output);
                        }

                        break;
                }

                index++;
            }
        }

        var directive = default(PlanOverrides);
        if (lastUser is { } userContent && !MessageContent.TryApplyDirectives(userContent, ref directive, out var directiveError))
        {
            return ParseResult.Invalid(directiveError!, "input");
        }

        tools.LastIsToolResult = lastIsToolResult;
        tools.AsksForTool = lastUser is { } asked && ToolParsing.MentionsTool(asked);
        if (!ToolSelection.TryDecide(tools, directive, digest.Seed, static _ => (Ids.New("fc_", 40), Ids.New("call_", 24)), out var calls, out var toolError))
        {
            return ParseResult.Invalid(toolError!, directive.Tool is null ? "tool_choice" : "input");
        }

        string? structured = null;
        if (body.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.Object && text.TryGetProperty("format"u8, out var format)
            && !ToolParsing.TryReadStructuredOutput(format, digest.Seed, out structured))
        {
            return ParseResult.Invalid("Invalid 'text.format': expected type 'text', 'json_object' or 'json_schema'.", "text.format");
        }

        return ParseResult.Ok(new SimRequest(model, stream, IncludeUsage: true, maxOutputTokens, [], digest.InputTokens, digest.Seed, directive)
        {
            Answer = new AnswerSpec(calls, structured, ThinkingPieces: 0, reasoningTokens),
        });
    }

    public async Task WriteCompletionAsync(HttpResponse response, SimRequest request, CompletedAnswer answer, Outcome outcome, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = SimulationRunner.JsonContentType;
        var items = answer.ToolCalls.Length > 0
            ? Array.ConvertAll(answer.ToolCalls, call => new ResponsesItem(call.Id, null, call))
            : [new ResponsesItem(NewMessageId(), answer.Text, null)];
        using (var json = new Utf8JsonWriter(response.BodyWriter, SseWriter.JsonOptions))
        {
            WriteResponse(json, Ids.New("resp_", 48), time.GetUtcNow().ToUnixTimeSeconds(), request, items, outcome);
        }

        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    public IStreamEncoder CreateStreamEncoder(PipeWriter output, SimRequest request) =>
        new ResponsesStreamEncoder(output, request, time.GetUtcNow().ToUnixTimeSeconds());

    public ReadOnlyMemory<byte> Garbage(bool stream) => stream ? GarbageSse : GarbageJson;

    internal static string NewMessageId() => Ids.New("msg_", 48);

    /// <summary>
    /// The response object. <paramref name="outcome"/> null: in progress (no usage yet). A <c>max_output_tokens</c> cut
    /// gives status <c>incomplete</c> with <c>incomplete_details.reason</c>, as OpenAI does.
    /// </summary>
    internal static void WriteResponse(
        Utf8JsonWriter json, string id, long createdAt, SimRequest request, IReadOnlyList<ResponsesItem> items, Outcome? outcome)
    {
        var incomplete = outcome is { Reason: FinishReason.Length };
        json.WriteStartObject();
        json.WriteString("id"u8, id);
        json.WriteString("object"u8, "response"u8);
        json.WriteNumber("created_at"u8, createdAt);
        json.WriteString("status"u8, outcome is null ? "in_progress"u8 : incomplete ? "incomplete"u8 : "completed"u8);
        json.WriteBoolean("background"u8, false);
        json.WriteNull("error"u8);
        if (incomplete)
        {
            json.WriteStartObject("incomplete_details"u8);
            json.WriteString("reason"u8, "max_output_tokens"u8);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("incomplete_details"u8);
        }

        json.WriteNull("instructions"u8);
        if (request.MaxTokens is { } max)
        {
            json.WriteNumber("max_output_tokens"u8, max);
        }
        else
        {
            json.WriteNull("max_output_tokens"u8);
        }

        json.WriteString("model"u8, request.Model);
        json.WriteStartArray("output"u8);
        foreach (var item in items)
        {
            WriteItem(json, item, completed: true);
        }

        json.WriteEndArray();
        json.WriteBoolean("parallel_tool_calls"u8, true);
        json.WriteNull("previous_response_id"u8);
        json.WriteStartObject("reasoning"u8);
        json.WriteNull("effort"u8);
        json.WriteNull("summary"u8);
        json.WriteEndObject();
        json.WriteString("service_tier"u8, "default"u8);
        json.WriteBoolean("store"u8, false);
        json.WriteNumber("temperature"u8, 1);
        json.WriteStartObject("text"u8);
        json.WriteStartObject("format"u8);
        json.WriteString("type"u8, "text"u8);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteString("tool_choice"u8, "auto"u8);
        json.WriteStartArray("tools"u8);
        json.WriteEndArray();
        json.WriteNumber("top_p"u8, 1);
        json.WriteString("truncation"u8, "disabled"u8);
        if (outcome is { } done)
        {
            WriteUsage(json, request, done.OutputTokens);
        }
        else
        {
            json.WriteNull("usage"u8);
        }

        json.WriteNull("user"u8);
        json.WriteStartObject("metadata"u8);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>A message or function_call item; <paramref name="completed"/> false writes its opening form.</summary>
    internal static void WriteItem(Utf8JsonWriter json, ResponsesItem item, bool completed)
    {
        json.WriteStartObject();
        if (item.Call is { } call)
        {
            json.WriteString("type"u8, "function_call"u8);
            json.WriteString("id"u8, item.Id);
            json.WriteString("call_id"u8, call.CallId);
            json.WriteString("name"u8, call.Name);
            json.WriteString("arguments"u8, completed ? call.Arguments : string.Empty);
            json.WriteString("status"u8, completed ? "completed"u8 : "in_progress"u8);
        }
        else
        {
            json.WriteString("type"u8, "message"u8);
            json.WriteString("id"u8, item.Id);
            json.WriteString("status"u8, completed ? "completed"u8 : "in_progress"u8);
            json.WriteString("role"u8, "assistant"u8);
            json.WriteStartArray("content"u8);
            if (completed)
            {
                WriteTextPart(json, item.Text ?? string.Empty);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    internal static void WriteTextPart(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "output_text"u8);
        json.WriteStartArray("annotations"u8);
        json.WriteEndArray();
        json.WriteStartArray("logprobs"u8);
        json.WriteEndArray();
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    /// <summary>Usage; hidden reasoning tokens are part of <c>output_tokens</c>, as at OpenAI.</summary>
    private static void WriteUsage(Utf8JsonWriter json, SimRequest request, int emittedTokens)
    {
        var outputTokens = emittedTokens + request.Answer.ReasoningTokens;
        json.WriteStartObject("usage"u8);
        json.WriteNumber("input_tokens"u8, request.InputTokens);
        json.WriteStartObject("input_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, 0);
        json.WriteEndObject();
        json.WriteNumber("output_tokens"u8, outputTokens);
        json.WriteStartObject("output_tokens_details"u8);
        json.WriteNumber("reasoning_tokens"u8, request.Answer.ReasoningTokens);
        json.WriteEndObject();
        json.WriteNumber("total_tokens"u8, request.InputTokens + outputTokens);
        json.WriteEndObject();
    }
}
