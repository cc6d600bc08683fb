using System.IO.Pipelines;
using System.Text.Json;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.Tools;

namespace Gateway.Simulator.OpenAi;

/// <summary>The OpenAI Chat Completions wire: request parsing, error envelope, response shapes.</summary>
internal sealed class OpenAiWire(TimeProvider time) : IWireFormat
{
    public const string SystemFingerprint = "fp_simulator";

    private static readonly ReadOnlyMemory<byte> GarbageJson =
        """{"id":"chatcmpl-garbage","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"unterminated <<not json>> """u8.ToArray();

    private static readonly ReadOnlyMemory<byte> GarbageSse =
        "data: {\"id\":\"chatcmpl-garbage\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"unterminated\n\ndata: <<not json>>\n\n"u8.ToArray();

    public string Name => "openai";

    public ApiError MissingApiKey { get; } = new(
        StatusCodes.Status401Unauthorized,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");

    public ApiError InvalidApiKey { get; } = new(StatusCodes.Status401Unauthorized, "Incorrect API key provided.", "invalid_api_key");

    public string? ReadApiKey(HttpRequest request) => ApiKeys.ReadBearer(request);

    public ApiError? ValidateHeaders(HttpRequest request) => null;

    public ApiError ModelNotFound(string model) => new(
        StatusCodes.Status404NotFound,
        $"The model `{model}` does not exist or you do not have access to it.",
        "model_not_found",
        "model");

    public void AddResponseHeaders(HttpResponse response) => response.Headers["x-request-id"] = Ids.New("req_", 32);

    public ParseResult Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return ParseResult.Invalid("The request body must be a JSON object.");
        }

        if (!MessageContent.TryGetString(body, "model"u8, out var model) || model.Length == 0)
        {
            return ParseResult.Invalid("you must provide a model parameter", "model");
        }

        if (!body.TryGetProperty("messages"u8, out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return ParseResult.Invalid("Missing required parameter: 'messages'.", "messages");
        }

        if (messages.GetArrayLength() == 0)
        {
            return ParseResult.Invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages");
        }

        if (!MessageContent.TryGetOptionalBool(body, "stream"u8, out var stream))
        {
            return ParseResult.Invalid("Invalid type for 'stream': expected a boolean.", "stream");
        }

        var includeUsage = false;
        if (body.TryGetProperty("stream_options"u8, out var streamOptions) && streamOptions.ValueKind == JsonValueKind.Object
            && !MessageContent.TryGetOptionalBool(streamOptions, "include_usage"u8, out includeUsage))
        {
            return ParseResult.Invalid("Invalid type for 'stream_options.include_usage': expected a boolean.", "stream_options.include_usage");
        }

        if (!MessageContent.TryGetOptionalInt(body, "max_completion_tokens"u8, 1, out var maxCompletionTokens))
        {
            return ParseResult.Invalid("Invalid 'max_completion_tokens': expected an integer of at least 1.", "max_completion_tokens");
        }

        if (!MessageContent.TryGetOptionalInt(body, "max_tokens"u8, 1, out var maxTokens))
        {
            return ParseResult.Invalid("Invalid 'max_tokens': expected an integer of at least 1.", "max_tokens");
        }

        if (!MessageContent.TryGetStopSequences(body, "stop"u8, out var stop))
        {
            return ParseResult.Invalid("Invalid type for 'stop': expected a string or an array of strings.", "stop");
        }

        var tools = new ToolRequest();
        if (ToolParsing.ReadChatTools(body, tools) is { } badTool)
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

        // OpenAI's default is true: only an explicit false limits the answer to one call.
        tools.ParallelAllowed = parallel || !body.TryGetProperty("parallel_tool_calls"u8, out var parallelValue) || parallelValue.ValueKind == JsonValueKind.Null;

        string? effort = null;
        if (body.TryGetProperty("reasoning_effort"u8, out var effortValue) && effortValue.ValueKind != JsonValueKind.Null)
        {
            if (effortValue.ValueKind != JsonValueKind.String)
            {
                return ParseResult.Invalid("Invalid type for 'reasoning_effort': expected a string.", "reasoning_effort");
            }

            effort = effortValue.GetString();
        }

        var digest = new PromptDigest(model);
        JsonElement? lastUser = null;
        string? lastRole = null;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !MessageContent.TryGetString(message, "role"u8, out var role))
            {
                return ParseResult.Invalid($"Missing required parameter: 'messages[{index}].role'.", $"messages[{index}].role");
            }

            digest.BeginMessage(role);
            lastRole = role;
            if (message.TryGetProperty("content"u8, out var content))
            {
                MessageContent.AddTo(digest, content);
                if (role == "user")
                {
                    lastUser = content;
                }
            }

            if (message.TryGetProperty("tool_calls"u8, out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in toolCalls.EnumerateArray())
                {
                    if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function"u8, out var function)
                        && function.ValueKind == JsonValueKind.Object && MessageContent.TryGetString(function, "arguments"u8, out var arguments))
                    {
                        digest.AddText(arguments);
                    }
                }
            }

            index++;
        }

        var directive = default(PlanOverrides);
        if (lastUser is { } userContent && !MessageContent.TryApplyDirectives(userContent, ref directive, out var directiveError))
        {
            return ParseResult.Invalid(directiveError!, "messages");
        }

        tools.LastIsToolResult = lastRole is "tool" or "function";
        tools.AsksForTool = lastUser is { } asked && ToolParsing.MentionsTool(asked);
        if (!ToolSelection.TryDecide(tools, directive, digest.Seed, static _ => (Ids.New("call_", 24), string.Empty), out var calls, out var toolError))
        {
            return ParseResult.Invalid(toolError!, directive.Tool is null ? "tool_choice" : "messages");
        }

        string? structured = null;
        if (body.TryGetProperty("response_format"u8, out var format)
            && !ToolParsing.TryReadStructuredOutput(format, digest.Seed, out structured))
        {
            return ParseResult.Invalid("Invalid 'response_format': expected type 'text', 'json_object' or 'json_schema'.", "response_format");
        }

        return ParseResult.Ok(new SimRequest(
            model, stream, stream && includeUsage, maxCompletionTokens ?? maxTokens, stop, digest.InputTokens, digest.Seed, directive)
        {
            Answer = new AnswerSpec(calls, structured, ThinkingPieces: 0, AnswerSpec.ReasoningTokensFor(effort)),
        });
    }

    public async Task WriteErrorAsync(HttpResponse response, ApiError error, CancellationToken cancellationToken)
    {
        response.StatusCode = error.Status;
        response.ContentType = SimulationRunner.JsonContentType;
        using (var json = new Utf8JsonWriter(response.BodyWriter, SseWriter.JsonOptions))
        {
            json.WriteStartObject();
            json.WriteStartObject("error"u8);
            json.WriteString("message"u8, error.Message);
            json.WriteString("type"u8, ErrorType(error.Status));
            WriteNullableString(json, "param"u8, error.Param);
            WriteNullableString(json, "code"u8, error.Code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    public async Task WriteCompletionAsync(HttpResponse response, SimRequest request, CompletedAnswer answer, Outcome outcome, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = SimulationRunner.JsonContentType;
        using (var json = new Utf8JsonWriter(response.BodyWriter, SseWriter.JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("id"u8, Ids.New("chatcmpl-", 29));
            json.WriteString("object"u8, "chat.completion"u8);
            json.WriteNumber("created"u8, time.GetUtcNow().ToUnixTimeSeconds());
            json.WriteString("model"u8, request.Model);
            json.WriteStartArray("choices"u8);
            json.WriteStartObject();
            json.WriteNumber("index"u8, 0);
            json.WriteStartObject("message"u8);
            json.WriteString("role"u8, "assistant"u8);
            if (answer.ToolCalls.Length > 0)
            {
                json.WriteNull("content"u8);
                json.WriteNull("refusal"u8);
                json.WriteStartArray("tool_calls"u8);
                foreach (var call in answer.ToolCalls)
                {
                    json.WriteStartObject();
                    json.WriteString("id"u8, call.Id);
                    json.WriteString("type"u8, "function"u8);
                    json.WriteStartObject("function"u8);
                    json.WriteString("name"u8, call.Name);
                    json.WriteString("arguments"u8, call.Arguments);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }
            else
            {
                json.WriteString("content"u8, answer.Text);
                json.WriteNull("refusal"u8);
            }

            json.WriteStartArray("annotations"u8);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteNull("logprobs"u8);
            json.WriteString("finish_reason"u8, FinishReasonText(outcome.Reason));
            json.WriteEndObject();
            json.WriteEndArray();
            WriteUsage(json, request.InputTokens, outcome.OutputTokens, request.Answer.ReasoningTokens);
            json.WriteString("service_tier"u8, "default"u8);
            json.WriteString("system_fingerprint"u8, SystemFingerprint);
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    public IStreamEncoder CreateStreamEncoder(PipeWriter output, SimRequest request) =>
        new OpenAiStreamEncoder(output, request, time.GetUtcNow().ToUnixTimeSeconds());

    public ReadOnlyMemory<byte> Garbage(bool stream) => stream ? GarbageSse : GarbageJson;

    internal static ReadOnlySpan<byte> FinishReasonText(FinishReason reason) => reason switch
    {
        FinishReason.Length => "length"u8,
        FinishReason.ToolUse => "tool_calls"u8,
        _ => "stop"u8,
    };

    /// <summary>Usage; hidden reasoning tokens are part of <c>completion_tokens</c>, as at OpenAI.</summary>
    internal static void WriteUsage(Utf8JsonWriter json, int promptTokens, int emittedTokens, int reasoningTokens)
    {
        var completionTokens = emittedTokens + reasoningTokens;
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, promptTokens);
        json.WriteNumber("completion_tokens"u8, completionTokens);
        json.WriteNumber("total_tokens"u8, promptTokens + completionTokens);
        json.WriteStartObject("prompt_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, 0);
        json.WriteNumber("audio_tokens"u8, 0);
        json.WriteEndObject();
        json.WriteStartObject("completion_tokens_details"u8);
        json.WriteNumber("reasoning_tokens"u8, reasoningTokens);
        json.WriteNumber("audio_tokens"u8, 0);
        json.WriteNumber("accepted_prediction_tokens"u8, 0);
        json.WriteNumber("rejected_prediction_tokens"u8, 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string ErrorType(int status) => status switch
    {
        StatusCodes.Status429TooManyRequests => "requests",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    private static void WriteNullableString(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
