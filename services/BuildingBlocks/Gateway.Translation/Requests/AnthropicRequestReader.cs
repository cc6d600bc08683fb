using System.Text.Json;
using static Gateway.Translation.Requests.JsonRead;

namespace Gateway.Translation.Requests;

/// <summary>Reads an Anthropic Messages request body.</summary>
internal static class AnthropicRequestReader
{
    public static CanonicalRequest Read(JsonElement root)
    {
        var request = new CanonicalRequest
        {
            SourceWire = Wire.AnthropicMessages,
            Model = ChatRequestReader.ReadModel(root),
            IncludeUsage = true,
            MaxTokens = OptInt(root, "max_tokens", "", 1) ?? throw Missing("max_tokens"),
            Stream = OptBool(root, "stream", "") ?? false,
            Temperature = OptNumber(root, "temperature", "", 0, 1),
            TopP = OptNumber(root, "top_p", "", 0, 1),
        };

        if (OptObject(root, "metadata", "") is { } metadata)
        {
            request.User = OptString(metadata, "user_id", "metadata");
        }

        if (OptArray(root, "stop_sequences", "") is not null)
        {
            ReadStops(root, "stop_sequences", request.StopSequences);
        }

        ReadThinking(root, request);
        ReadOutputConfig(root, request);

        var all = new List<CanonicalMessage>();
        ReadSystem(root, all);
        ReadTools(root, request.Tools);
        ReadToolChoice(root, request);

        var messages = OptArray(root, "messages", "") ?? throw Missing("messages");
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            ReadMessage(message, Path("messages", index), all);
            index++;
        }

        CanonicalBuilder.Finish(request, all, "messages", "tool_choice");
        return request;
    }

    private static void ReadSystem(JsonElement root, List<CanonicalMessage> all)
    {
        if (!TryGet(root, "system", out var system))
        {
            return;
        }

        var message = new CanonicalMessage(MessageRole.System);
        ReadTextBlocks(system, "system", message.Parts);
        all.Add(message);
    }

    /// <summary>A string or an array of text blocks (their <c>cache_control</c> is dropped: upstream caching is the
    /// upstream's own business on a translated route).</summary>
    private static void ReadTextBlocks(JsonElement content, string path, List<ContentPart> into)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            into.Add(new TextPart(content.GetString()!));
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(path, "a string or an array of text blocks");
        }

        var i = 0;
        foreach (var block in content.EnumerateArray())
        {
            var blockPath = Path(path, i);
            RequireObject(block, blockPath);
            var type = ReqString(block, "type", blockPath);
            if (type != "text")
            {
                throw Invalid(Path(blockPath, "type"), $"Invalid value: '{type}'. Only 'text' blocks are allowed here.");
            }

            into.Add(new TextPart(ReqString(block, "text", blockPath)));
            i++;
        }
    }

    private static void ReadMessage(JsonElement message, string path, List<CanonicalMessage> all)
    {
        RequireObject(message, path);
        var role = ReqString(message, "role", path);
        var contentPath = Path(path, "content");
        if (!TryGet(message, "content", out var content))
        {
            throw Missing(contentPath);
        }

        switch (role)
        {
            case "system":
                // Claude Code sends {"role":"system"} inside messages (the mid-conversation-system beta).
                var system = new CanonicalMessage(MessageRole.System);
                ReadTextBlocks(content, contentPath, system.Parts);
                all.Add(system);
                return;
            case "user":
            case "assistant":
                break;
            default:
                throw Invalid(Path(path, "role"), $"Invalid value: '{role}'. Supported values are: 'user' and 'assistant'.");
        }

        var isUser = role == "user";
        var turn = new CanonicalMessage(isUser ? MessageRole.User : MessageRole.Assistant);
        if (content.ValueKind == JsonValueKind.String)
        {
            turn.Parts.Add(new TextPart(content.GetString()!));
            all.Add(turn);
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(contentPath, "a string or an array of content blocks");
        }

        // A user turn's tool_result blocks become one tool message placed before the rest of the turn.
        CanonicalMessage? results = null;
        var i = 0;
        foreach (var block in content.EnumerateArray())
        {
            var blockPath = Path(contentPath, i);
            RequireObject(block, blockPath);
            var type = ReqString(block, "type", blockPath);
            switch (type)
            {
                case "text":
                    turn.Parts.Add(new TextPart(ReqString(block, "text", blockPath)));
                    break;
                case "image" when isUser:
                    turn.Parts.Add(ReadImage(block, blockPath));
                    break;
                case "tool_result" when isUser:
                    results ??= new CanonicalMessage(MessageRole.Tool);
                    results.Parts.Add(ReadToolResult(block, blockPath));
                    break;
                case "tool_use" when !isUser:
                    var input = OptObject(block, "input", blockPath) ?? throw Missing(Path(blockPath, "input"));
                    turn.Parts.Add(new ToolCallPart(ReqString(block, "id", blockPath), ReqString(block, "name", blockPath), input.GetRawText()));
                    break;
                case "thinking" when !isUser:
                    turn.Parts.Add(new ThinkingPart(ReqString(block, "thinking", blockPath), OptString(block, "signature", blockPath)));
                    break;
                case "redacted_thinking" when !isUser:
                    turn.Parts.Add(new RedactedThinkingPart(ReqString(block, "data", blockPath)));
                    break;
                case "document":
                case "search_result":
                case "container_upload":
                case "server_tool_use":
                case "web_search_tool_result":
                case "web_fetch_tool_result":
                case "code_execution_tool_result":
                case "mcp_tool_use":
                case "mcp_tool_result":
                    throw Unsupported(Path(blockPath, "type"), $"'{type}' blocks are not supported on a translated route.");
                default:
                    throw Invalid(Path(blockPath, "type"), isUser
                        ? $"Invalid value: '{type}'. Supported values in a user turn are: 'text', 'image' and 'tool_result'."
                        : $"Invalid value: '{type}'. Supported values in an assistant turn are: 'text', 'tool_use', 'thinking' and 'redacted_thinking'.");
            }

            i++;
        }

        if (results is not null)
        {
            all.Add(results);
        }

        all.Add(turn);
    }

    private static ImagePart ReadImage(JsonElement block, string path)
    {
        var sourcePath = Path(path, "source");
        var source = OptObject(block, "source", path) ?? throw Missing(sourcePath);
        var type = ReqString(source, "type", sourcePath);
        return type switch
        {
            "base64" => new ImagePart { MediaType = ReqString(source, "media_type", sourcePath), Data = ReqString(source, "data", sourcePath) },
            "url" => ImageFromUrl(ReqString(source, "url", sourcePath), null, Path(sourcePath, "url")),
            "file" => throw Unsupported(Path(sourcePath, "type"), "file images are not supported on a translated route."),
            _ => throw Invalid(Path(sourcePath, "type"), $"Invalid value: '{type}'. Supported values are: 'base64' and 'url'."),
        };
    }

    private static ToolResultPart ReadToolResult(JsonElement block, string path)
    {
        var callId = ReqString(block, "tool_use_id", path);
        var isError = OptBool(block, "is_error", path) ?? false;
        var content = new List<ContentPart>();
        if (TryGet(block, "content", out var value))
        {
            var contentPath = Path(path, "content");
            if (value.ValueKind == JsonValueKind.String)
            {
                content.Add(new TextPart(value.GetString()!));
            }
            else if (value.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var part in value.EnumerateArray())
                {
                    var partPath = Path(contentPath, i);
                    RequireObject(part, partPath);
                    var type = ReqString(part, "type", partPath);
                    content.Add(type switch
                    {
                        "text" => new TextPart(ReqString(part, "text", partPath)),
                        "image" => ReadImage(part, partPath),
                        _ => throw Invalid(Path(partPath, "type"), $"Invalid value: '{type}'. Supported values are: 'text' and 'image'."),
                    });
                    i++;
                }
            }
            else
            {
                throw WrongType(contentPath, "a string or an array of content blocks");
            }
        }

        return new ToolResultPart(callId, content, isError);
    }

    private static void ReadTools(JsonElement root, List<CanonicalTool> tools)
    {
        if (OptArray(root, "tools", "") is not { } array)
        {
            return;
        }

        var i = 0;
        foreach (var tool in array.EnumerateArray())
        {
            var path = Path("tools", i);
            RequireObject(tool, path);
            var type = OptString(tool, "type", path);
            if (type is null or "custom")
            {
                var schema = OptObject(tool, "input_schema", path) ?? throw Missing(Path(path, "input_schema"));
                tools.Add(new CanonicalTool(ReqString(tool, "name", path), OptString(tool, "description", path), schema.GetRawText())
                {
                    Strict = OptBool(tool, "strict", path),
                });
            }

            // Any other type is a versioned Anthropic-defined tool (web_search_…, bash_…, text_editor_…): it has no
            // schema another upstream could use, so it is dropped on translation.
            i++;
        }
    }

    private static void ReadToolChoice(JsonElement root, CanonicalRequest request)
    {
        if (OptObject(root, "tool_choice", "") is not { } choice)
        {
            return;
        }

        var type = ReqString(choice, "type", "tool_choice");
        request.ToolChoice = type switch
        {
            "auto" => new CanonicalToolChoice(ToolChoiceMode.Auto),
            "any" => new CanonicalToolChoice(ToolChoiceMode.Required),
            "none" => new CanonicalToolChoice(ToolChoiceMode.None),
            "tool" => new CanonicalToolChoice(ToolChoiceMode.Named, ReqString(choice, "name", "tool_choice")),
            _ => throw Invalid("tool_choice.type", $"Invalid value: '{type}'. Supported values are: 'auto', 'any', 'tool' and 'none'."),
        };

        if (OptBool(choice, "disable_parallel_tool_use", "tool_choice") is { } disable)
        {
            request.ParallelToolCalls = !disable;
        }
    }

    private static void ReadThinking(JsonElement root, CanonicalRequest request)
    {
        if (OptObject(root, "thinking", "") is not { } thinking)
        {
            return;
        }

        var type = ReqString(thinking, "type", "thinking");
        switch (type)
        {
            case "enabled":
                var budget = OptInt(thinking, "budget_tokens", "thinking", 1024) ?? throw Missing("thinking.budget_tokens");
                if (budget >= request.MaxTokens)
                {
                    throw Invalid("thinking.budget_tokens", "Invalid 'thinking.budget_tokens': it must be less than 'max_tokens'.");
                }

                request.Thinking = ThinkingMode.Enabled;
                request.ThinkingBudget = budget;
                break;
            case "adaptive":
                request.Thinking = ThinkingMode.Adaptive;
                break;
            case "disabled":
                request.Thinking = ThinkingMode.Disabled;
                break;
            default:
                throw Invalid("thinking.type", $"Invalid value: '{type}'. Supported values are: 'enabled', 'adaptive' and 'disabled'.");
        }
    }

    private static void ReadOutputConfig(JsonElement root, CanonicalRequest request)
    {
        if (OptObject(root, "output_config", "") is { } config)
        {
            if (OptString(config, "effort", "output_config") is { } effort)
            {
                request.ReasoningEffort = effort is "low" or "medium" or "high" or "max"
                    ? Effort(effort, "output_config.effort")
                    : throw Invalid("output_config.effort", $"Invalid value: '{effort}'. Supported values are: 'low', 'medium', 'high' and 'max'.");
            }

            if (OptObject(config, "format", "output_config") is { } format)
            {
                request.ResponseFormat = ReadFormat(format, "output_config.format");
            }
        }

        // The structured-outputs beta's older spelling.
        if (OptObject(root, "output_format", "") is { } legacy)
        {
            request.ResponseFormat = ReadFormat(legacy, "output_format");
        }
    }

    private static CanonicalResponseFormat ReadFormat(JsonElement format, string path)
    {
        var type = ReqString(format, "type", path);
        return type == "json_schema"
            ? new CanonicalResponseFormat(ResponseFormatKind.JsonSchema, "response", SchemaText(format, "schema", path), true)
            : throw Invalid(Path(path, "type"), $"Invalid value: '{type}'. Supported values are: 'json_schema'.");
    }
}
