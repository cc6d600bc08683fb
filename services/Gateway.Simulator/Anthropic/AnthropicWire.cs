using System.IO.Pipelines;
using System.Text.Json;
using Gateway.Simulator.Behaviour;
using Gateway.Simulator.Tools;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Anthropic;

/// <summary>The Anthropic Messages wire: request parsing, error envelope, response shapes.</summary>
internal sealed class AnthropicWire(IOptionsMonitor<SimulatorOptions> options) : IWireFormat
{
    private static readonly ReadOnlyMemory<byte> GarbageJson =
        """{"id":"msg_garbage","type":"message","role":"assistant","content":[{"type":"text","text":"unterminated <<not json>> """u8.ToArray();

    private static readonly ReadOnlyMemory<byte> GarbageSse =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\n\nevent: content_block_delta\ndata: <<not json>>\n\n"u8.ToArray();

    public string Name => "anthropic";

    public ApiError MissingApiKey { get; } = new(StatusCodes.Status401Unauthorized, "x-api-key header is required");

    public ApiError InvalidApiKey { get; } = new(StatusCodes.Status401Unauthorized, "invalid x-api-key");

    /// <summary><c>x-api-key</c> (SDK 0.x, Claude Code) or <c>Authorization: Bearer</c> (SDK 1.x, the C# SDK).</summary>
    public string? ReadApiKey(HttpRequest request)
    {
        var apiKey = request.Headers["x-api-key"];
        return apiKey.Count == 1 && !string.IsNullOrEmpty(apiKey[0]) ? apiKey[0] : ApiKeys.ReadBearer(request);
    }

    public ApiError? ValidateHeaders(HttpRequest request) =>
        options.CurrentValue.RequireAnthropicVersion && string.IsNullOrEmpty(request.Headers["anthropic-version"])
            ? new ApiError(StatusCodes.Status400BadRequest, "anthropic-version: header is required")
            : null;

    public ApiError ModelNotFound(string model) => new(StatusCodes.Status404NotFound, $"model: {model}");

    public void AddResponseHeaders(HttpResponse response) => response.Headers["request-id"] = Ids.New("req_01", 22);

    public ParseResult Parse(JsonElement body) => Parse(body, requireMaxTokens: true);

    /// <summary>Parses a Messages body; <c>count_tokens</c> bodies have no <c>max_tokens</c>.</summary>
    public static ParseResult Parse(JsonElement body, bool requireMaxTokens)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return ParseResult.Invalid("The request body must be a JSON object.");
        }

        if (!MessageContent.TryGetString(body, "model"u8, out var model) || model.Length == 0)
        {
            return ParseResult.Invalid("model: Field required");
        }

        if (!MessageContent.TryGetOptionalInt(body, "max_tokens"u8, 0, out var maxTokens))
        {
            return ParseResult.Invalid("max_tokens: Input should be a valid non-negative integer");
        }

        if (requireMaxTokens && maxTokens is null)
        {
            return ParseResult.Invalid("max_tokens: Field required");
        }

        if (!body.TryGetProperty("messages"u8, out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return ParseResult.Invalid("messages: Field required");
        }

        if (messages.GetArrayLength() == 0)
        {
            return ParseResult.Invalid("messages: at least one message is required");
        }

        if (!MessageContent.TryGetOptionalBool(body, "stream"u8, out var stream))
        {
            return ParseResult.Invalid("stream: Input should be a valid boolean");
        }

        if (!MessageContent.TryGetStopSequences(body, "stop_sequences"u8, out var stopSequences))
        {
            return ParseResult.Invalid("stop_sequences: Input should be a valid list of strings");
        }

        var tools = new ToolRequest();
        if ((ToolParsing.ReadAnthropicTools(body, tools) ?? ToolParsing.ReadAnthropicToolChoice(body, tools)) is { } toolError)
        {
            return ParseResult.Invalid(toolError);
        }

        var thinkingPieces = 0;
        if (body.TryGetProperty("thinking"u8, out var thinking) && thinking.ValueKind != JsonValueKind.Null)
        {
            if (thinking.ValueKind != JsonValueKind.Object || !MessageContent.TryGetString(thinking, "type"u8, out var thinkingType))
            {
                return ParseResult.Invalid("thinking.type: Field required");
            }

            switch (thinkingType)
            {
                case "enabled":
                    if (!MessageContent.TryGetOptionalInt(thinking, "budget_tokens"u8, 1, out var budget) || budget is null)
                    {
                        return ParseResult.Invalid("thinking.enabled.budget_tokens: Field required");
                    }

                    thinkingPieces = Math.Min(AnswerSpec.DefaultThinkingPieces, budget.Value);
                    break;
                case "adaptive":
                    thinkingPieces = AnswerSpec.DefaultThinkingPieces;
                    break;
                case "disabled":
                    break;
                default:
                    return ParseResult.Invalid($"thinking.type: Input tag '{thinkingType}' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'");
            }
        }

        var digest = new PromptDigest(model);
        if (body.TryGetProperty("system"u8, out var system))
        {
            digest.BeginMessage("system");
            MessageContent.AddTo(digest, system);
        }

        JsonElement? lastUser = null;
        var lastIsToolResult = false;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !MessageContent.TryGetString(message, "role"u8, out var role))
            {
                return ParseResult.Invalid($"messages.{index}.role: Field required");
            }

            if (!message.TryGetProperty("content"u8, out var content))
            {
                return ParseResult.Invalid($"messages.{index}.content: Field required");
            }

            digest.BeginMessage(role);
            MessageContent.AddTo(digest, content);
            if (role == "user")
            {
                lastUser = content;
            }

            lastIsToolResult = role == "user" && HasToolResult(content);
            index++;
        }

        var directive = default(PlanOverrides);
        if (lastUser is { } userContent && !MessageContent.TryApplyDirectives(userContent, ref directive, out var directiveError))
        {
            return ParseResult.Invalid(directiveError!);
        }

        tools.LastIsToolResult = lastIsToolResult;
        tools.AsksForTool = lastUser is { } asked && ToolParsing.MentionsTool(asked);
        if (!ToolSelection.TryDecide(tools, directive, digest.Seed, static _ => (Ids.New("toolu_01", 22), string.Empty), out var calls, out var choiceError))
        {
            return ParseResult.Invalid(choiceError!);
        }

        // Structured output: output_config.format (the current API) or the older output_format, both
        // {"type":"json_schema","schema":{...}}.
        string? structured = null;
        var formatField = "output_config.format";
        JsonElement format = default;
        var hasFormat = body.TryGetProperty("output_config"u8, out var outputConfig) && outputConfig.ValueKind == JsonValueKind.Object
            && outputConfig.TryGetProperty("format"u8, out format);
        if (!hasFormat && body.TryGetProperty("output_format"u8, out format))
        {
            (hasFormat, formatField) = (true, "output_format");
        }

        if (hasFormat && (!ToolParsing.TryReadStructuredOutput(format, digest.Seed, out structured)
            || format.ValueKind == JsonValueKind.Object && MessageContent.TryGetString(format, "type"u8, out var formatType) && formatType != "json_schema"))
        {
            return ParseResult.Invalid($"{formatField}.type: Input tag does not match the expected tag: 'json_schema'");
        }

        return ParseResult.Ok(new SimRequest(
            model, stream, IncludeUsage: false, maxTokens, stopSequences, digest.InputTokens, digest.Seed, directive)
        {
            Answer = new AnswerSpec(calls, structured, thinkingPieces, ReasoningTokens: 0),
        });
    }

    public async Task WriteErrorAsync(HttpResponse response, ApiError error, CancellationToken cancellationToken)
    {
        response.StatusCode = error.Status;
        response.ContentType = SimulationRunner.JsonContentType;
        using (var json = new Utf8JsonWriter(response.BodyWriter, SseWriter.JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "error"u8);
            json.WriteStartObject("error"u8);
            json.WriteString("type"u8, ErrorType(error.Status));
            json.WriteString("message"u8, error.Message);
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
            json.WriteString("id"u8, Ids.New("msg_01", 22));
            json.WriteString("type"u8, "message"u8);
            json.WriteString("role"u8, "assistant"u8);
            json.WriteString("model"u8, request.Model);
            json.WriteStartArray("content"u8);
            if (answer.Thinking is not null)
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "thinking"u8);
                json.WriteString("thinking"u8, answer.Thinking);
                json.WriteString("signature"u8, answer.Signature);
                json.WriteEndObject();
            }

            foreach (var call in answer.ToolCalls)
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "tool_use"u8);
                json.WriteString("id"u8, call.Id);
                json.WriteString("name"u8, call.Name);
                json.WritePropertyName("input"u8);
                json.WriteRawValue(call.Arguments, skipInputValidation: true);
                WriteDirectCaller(json);
                json.WriteEndObject();
            }

            if (answer.ToolCalls.Length == 0 && answer.Text.Length > 0)
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "text"u8);
                json.WriteString("text"u8, answer.Text);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteStop(json, outcome);
            json.WriteStartObject("usage"u8);
            json.WriteNumber("input_tokens"u8, request.InputTokens);
            json.WriteNumber("cache_creation_input_tokens"u8, 0);
            json.WriteNumber("cache_read_input_tokens"u8, 0);
            json.WriteNumber("output_tokens"u8, outcome.OutputTokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    public IStreamEncoder CreateStreamEncoder(PipeWriter output, SimRequest request) => new AnthropicStreamEncoder(output, request);

    public ReadOnlyMemory<byte> Garbage(bool stream) => stream ? GarbageSse : GarbageJson;

    /// <summary>Writes <c>stop_reason</c> and <c>stop_sequence</c>.</summary>
    internal static void WriteStop(Utf8JsonWriter json, Outcome outcome)
    {
        json.WriteString("stop_reason"u8, outcome.Reason switch
        {
            FinishReason.Length => "max_tokens"u8,
            FinishReason.StopSequence => "stop_sequence"u8,
            FinishReason.ToolUse => "tool_use"u8,
            _ => "end_turn"u8,
        });
        if (outcome.StopSequence is null)
        {
            json.WriteNull("stop_sequence"u8);
        }
        else
        {
            json.WriteString("stop_sequence"u8, outcome.StopSequence);
        }
    }

    /// <summary>Current Anthropic responses say who called a tool; the C# SDK 13 requires it on tool_use blocks.</summary>
    internal static void WriteDirectCaller(Utf8JsonWriter json)
    {
        json.WriteStartObject("caller"u8);
        json.WriteString("type"u8, "direct"u8);
        json.WriteEndObject();
    }

    private static bool HasToolResult(JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type"u8, out var type) && type.ValueEquals("tool_result"u8))
            {
                return true;
            }
        }

        return false;
    }

    private static string ErrorType(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status402PaymentRequired => "billing_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status413PayloadTooLarge => "request_too_large",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        StatusCodes.Status504GatewayTimeout => "timeout_error",
        529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };
}
