using System.Text.Json;
using static Gateway.Translation.Requests.JsonRead;

namespace Gateway.Translation.Requests;

/// <summary>Reads an OpenAI Responses request body (the Codex CLI's wire).</summary>
internal static class ResponsesRequestReader
{
    /// <summary>The schema a freeform <c>custom</c> tool is offered under to function-calling upstreams.</summary>
    internal const string CustomToolSchema =
        """{"type":"object","properties":{"input":{"type":"string","description":"The freeform input to the tool."}},"required":["input"],"additionalProperties":false}""";

    /// <summary>Items of hosted tools and server-side state: accepted and dropped (their tools are dropped too).</summary>
    private static readonly HashSet<string> IgnoredItems = new(StringComparer.Ordinal)
    {
        "web_search_call", "file_search_call", "computer_call", "computer_call_output", "image_generation_call",
        "code_interpreter_call", "local_shell_call", "local_shell_call_output", "shell_call", "shell_call_output",
        "apply_patch_call", "apply_patch_call_output", "mcp_list_tools", "mcp_approval_request", "mcp_approval_response",
        "mcp_call", "item_reference", "compaction", "tool_search_call", "tool_search_output",
    };

    public static CanonicalRequest Read(JsonElement root)
    {
        var request = new CanonicalRequest
        {
            SourceWire = Wire.OpenAiResponses,
            Model = ChatRequestReader.ReadModel(root),
            IncludeUsage = true,
            Stream = OptBool(root, "stream", "") ?? false,
            MaxTokens = OptInt(root, "max_output_tokens", "", 1),
            Temperature = OptNumber(root, "temperature", "", 0, 2),
            TopP = OptNumber(root, "top_p", "", 0, 1),
            ParallelToolCalls = OptBool(root, "parallel_tool_calls", ""),
        };
        request.User = OptString(root, "user", "") ?? OptString(root, "safety_identifier", "");

        foreach (var stateful in (ReadOnlySpan<string>)["previous_response_id", "conversation", "prompt"])
        {
            if (TryGet(root, stateful, out _))
            {
                throw Unsupported(stateful, "stored responses, conversations and prompts are not available on a translated route; send the full input.");
            }
        }

        if (OptBool(root, "background", "") == true)
        {
            throw Unsupported("background", "background responses are not available on a translated route.");
        }

        if (OptObject(root, "reasoning", "") is { } reasoning && OptString(reasoning, "effort", "reasoning") is { } effort)
        {
            request.ReasoningEffort = Effort(effort, "reasoning.effort");
        }

        if (OptObject(root, "text", "") is { } text && OptObject(text, "format", "text") is { } format)
        {
            request.ResponseFormat = ReadFormat(format);
        }

        if (OptArray(root, "tools", "") is { } tools)
        {
            ReadTools(tools, "tools", request.Tools);
        }

        var all = new List<CanonicalMessage>();
        if (OptString(root, "instructions", "") is { } instructions)
        {
            var system = new CanonicalMessage(MessageRole.System);
            system.Parts.Add(new TextPart(instructions));
            all.Add(system);
        }

        if (!TryGet(root, "input", out var input))
        {
            throw Missing("input");
        }

        if (input.ValueKind == JsonValueKind.String)
        {
            var user = new CanonicalMessage(MessageRole.User);
            user.Parts.Add(new TextPart(input.GetString()!));
            all.Add(user);
        }
        else if (input.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in input.EnumerateArray())
            {
                ReadItem(item, Path("input", index), all, request.Tools);
                index++;
            }
        }
        else
        {
            throw WrongType("input", "a string or an array of items");
        }

        // Read after the input: Codex's additional_tools items add to the tools a named choice may point at.
        request.ToolChoice = ReadToolChoice(root);
        CanonicalBuilder.Finish(request, all, "input", "tool_choice");
        return request;
    }

    private static void ReadItem(JsonElement item, string path, List<CanonicalMessage> all, List<CanonicalTool> tools)
    {
        RequireObject(item, path);
        var type = OptString(item, "type", path) ?? "message";
        switch (type)
        {
            case "message":
                ReadMessage(item, path, all);
                break;
            case "function_call":
                CanonicalBuilder.AppendTo(all, MessageRole.Assistant, new ToolCallPart(ReqString(item, "call_id", path),
                    ReqString(item, "name", path), OptString(item, "arguments", path) ?? "{}")
                {
                    Namespace = OptString(item, "namespace", path),
                });
                break;
            case "custom_tool_call":
                var arguments = CustomArguments(ReqString(item, "input", path));
                CanonicalBuilder.AppendTo(all, MessageRole.Assistant,
                    new ToolCallPart(ReqString(item, "call_id", path), ReqString(item, "name", path), arguments)
                    {
                        Kind = ClientToolKind.Custom,
                        Namespace = OptString(item, "namespace", path),
                    });
                break;
            case "function_call_output":
            case "custom_tool_call_output":
                CanonicalBuilder.AppendTo(all, MessageRole.Tool,
                    new ToolResultPart(ReqString(item, "call_id", path), ReadOutput(item, path)));
                break;
            case "reasoning":
                ReadReasoning(item, path, all);
                break;
            case "additional_tools":
                if (OptArray(item, "tools", path) is { } more)
                {
                    ReadTools(more, Path(path, "tools"), tools);
                }

                break;
            default:
                if (!IgnoredItems.Contains(type))
                {
                    throw Invalid(Path(path, "type"), $"Invalid value: '{type}'. Supported item types are: 'message', 'function_call', "
                        + "'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'reasoning' and 'additional_tools'.");
                }

                break;
        }
    }

    /// <summary>A custom tool's freeform input as the arguments of the function it is offered as: <c>{"input": "…"}</c>.</summary>
    internal static string CustomArguments(string input)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(input.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("input"u8, input);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void ReadMessage(JsonElement item, string path, List<CanonicalMessage> all)
    {
        var role = ReqString(item, "role", path);
        var messageRole = role switch
        {
            "user" => MessageRole.User,
            "assistant" => MessageRole.Assistant,
            "system" or "developer" => MessageRole.System,
            _ => throw Invalid(Path(path, "role"), $"Invalid value: '{role}'. Supported values are: 'assistant', 'system', 'developer' and 'user'."),
        };

        var contentPath = Path(path, "content");
        if (!TryGet(item, "content", out var content))
        {
            throw Missing(contentPath);
        }

        var parts = new List<ContentPart>();
        if (content.ValueKind == JsonValueKind.String)
        {
            parts.Add(new TextPart(content.GetString()!));
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            ReadParts(content, contentPath, parts, allowImages: messageRole == MessageRole.User);
        }
        else
        {
            throw WrongType(contentPath, "a string or an array of content parts");
        }

        if (messageRole == MessageRole.User)
        {
            all.Add(new CanonicalMessage(MessageRole.User));
            all[^1].Parts.AddRange(parts);
            return;
        }

        // Consecutive assistant items (reasoning, messages, calls) are one assistant turn; consecutive system items
        // one system message.
        foreach (var part in parts)
        {
            CanonicalBuilder.AppendTo(all, messageRole, part);
        }
    }

    private static void ReadParts(JsonElement content, string contentPath, List<ContentPart> into, bool allowImages)
    {
        var i = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = Path(contentPath, i);
            RequireObject(part, partPath);
            var type = ReqString(part, "type", partPath);
            switch (type)
            {
                case "input_text":
                case "output_text":
                case "text":
                    into.Add(new TextPart(ReqString(part, "text", partPath)));
                    break;
                case "refusal":
                    into.Add(new TextPart(ReqString(part, "refusal", partPath)));
                    break;
                case "input_image" when allowImages:
                    if (OptString(part, "image_url", partPath) is not { } url)
                    {
                        throw TryGet(part, "file_id", out _)
                            ? Unsupported(Path(partPath, "file_id"), "file references are not available on a translated route; send the image URL.")
                            : Missing(Path(partPath, "image_url"));
                    }

                    into.Add(ImageFromUrl(url, OptString(part, "detail", partPath), Path(partPath, "image_url")));
                    break;
                case "input_image":
                    throw Invalid(Path(partPath, "type"), "Images are only allowed in user messages and tool outputs.");
                case "input_file":
                case "input_audio":
                    throw Unsupported(Path(partPath, "type"), $"'{type}' content is not supported on a translated route.");
                default:
                    throw Invalid(Path(partPath, "type"),
                        $"Invalid value: '{type}'. Supported values are: 'input_text', 'output_text', 'refusal' and 'input_image'.");
            }

            i++;
        }
    }

    private static List<ContentPart> ReadOutput(JsonElement item, string path)
    {
        var outputPath = Path(path, "output");
        if (!TryGet(item, "output", out var output))
        {
            throw Missing(outputPath);
        }

        var parts = new List<ContentPart>();
        if (output.ValueKind == JsonValueKind.String)
        {
            parts.Add(new TextPart(output.GetString()!));
        }
        else if (output.ValueKind == JsonValueKind.Array)
        {
            ReadParts(output, outputPath, parts, allowImages: true);
        }
        else
        {
            throw WrongType(outputPath, "a string or an array of content parts");
        }

        return parts;
    }

    /// <summary>A reasoning item becomes a thinking part: its summary (or reasoning text) and, as the signature, its
    /// <c>encrypted_content</c> (the response side stores an Anthropic signature there).</summary>
    private static void ReadReasoning(JsonElement item, string path, List<CanonicalMessage> all)
    {
        var texts = new List<string>();
        foreach (var field in (ReadOnlySpan<string>)["summary", "content"])
        {
            if (texts.Count > 0 || OptArray(item, field, path) is not { } array)
            {
                continue;
            }

            var i = 0;
            foreach (var part in array.EnumerateArray())
            {
                var partPath = Path(Path(path, field), i);
                RequireObject(part, partPath);
                texts.Add(ReqString(part, "text", partPath));
                i++;
            }
        }

        var signature = OptString(item, "encrypted_content", path);
        if (texts.Count > 0 || signature is not null)
        {
            CanonicalBuilder.AppendTo(all, MessageRole.Assistant, new ThinkingPart(string.Join("\n\n", texts), signature));
        }
    }

    private static void ReadTools(JsonElement array, string arrayPath, List<CanonicalTool> tools, string? ns = null)
    {
        var i = 0;
        foreach (var tool in array.EnumerateArray())
        {
            var path = Path(arrayPath, i);
            RequireObject(tool, path);
            var type = ReqString(tool, "type", path);
            switch (type)
            {
                case "function":
                    tools.Add(new CanonicalTool(ReqString(tool, "name", path), OptString(tool, "description", path), SchemaText(tool, "parameters", path))
                    {
                        Namespace = ns,
                        Strict = OptBool(tool, "strict", path),
                    });
                    break;
                case "custom":
                    tools.Add(new CanonicalTool(ReqString(tool, "name", path), CustomDescription(tool, path), CustomToolSchema, ClientToolKind.Custom)
                    {
                        Namespace = ns,
                    });
                    break;
                case "namespace" when ns is null:
                    var nested = OptArray(tool, "tools", path) ?? throw Missing(Path(path, "tools"));
                    ReadTools(nested, Path(path, "tools"), tools, ReqString(tool, "name", path));
                    break;
                default:
                    // Hosted tools (web_search, file_search, image_generation, mcp, local_shell, …) only exist at
                    // OpenAI: dropped on translation, never an error.
                    break;
            }

            i++;
        }
    }

    /// <summary>A custom tool's description, with its input grammar (if any) spelled out for a function-calling model.</summary>
    private static string? CustomDescription(JsonElement tool, string path)
    {
        var description = OptString(tool, "description", path);
        if (OptObject(tool, "format", path) is not { } format || OptString(format, "type", Path(path, "format")) != "grammar")
        {
            return description;
        }

        var formatPath = Path(path, "format");
        var syntax = OptString(format, "syntax", formatPath) ?? "lark";
        var definition = OptString(format, "definition", formatPath) ?? string.Empty;
        var note = $"The `input` string must conform to this {syntax} grammar:\n{definition}";
        return description is { Length: > 0 } ? $"{description}\n\n{note}" : note;
    }

    private static CanonicalToolChoice? ReadToolChoice(JsonElement root)
    {
        if (!TryGet(root, "tool_choice", out var choice))
        {
            return null;
        }

        if (choice.ValueKind == JsonValueKind.String)
        {
            return choice.GetString() switch
            {
                "auto" => new CanonicalToolChoice(ToolChoiceMode.Auto),
                "none" => new CanonicalToolChoice(ToolChoiceMode.None),
                "required" => new CanonicalToolChoice(ToolChoiceMode.Required),
                var other => throw Invalid("tool_choice", $"Invalid value: '{other}'. Supported values are: 'none', 'auto' and 'required'."),
            };
        }

        if (choice.ValueKind != JsonValueKind.Object)
        {
            throw WrongType("tool_choice", "a string or an object");
        }

        var type = ReqString(choice, "type", "tool_choice");
        return type switch
        {
            "function" or "custom" => new CanonicalToolChoice(ToolChoiceMode.Named, ReqString(choice, "name", "tool_choice")),
            "allowed_tools" => throw Unsupported("tool_choice.type", "'allowed_tools' is not supported on a translated route."),
            // Forcing a hosted tool: the tool is dropped, so the model chooses.
            _ => new CanonicalToolChoice(ToolChoiceMode.Auto),
        };
    }

    private static CanonicalResponseFormat ReadFormat(JsonElement format)
    {
        const string path = "text.format";
        var type = ReqString(format, "type", path);
        return type switch
        {
            "text" => new CanonicalResponseFormat(ResponseFormatKind.Text),
            "json_object" => new CanonicalResponseFormat(ResponseFormatKind.JsonObject),
            "json_schema" => new CanonicalResponseFormat(ResponseFormatKind.JsonSchema, ReqString(format, "name", path),
                SchemaText(format, "schema", path), OptBool(format, "strict", path), OptString(format, "description", path)),
            _ => throw Invalid("text.format.type", $"Invalid value: '{type}'. Supported values are: 'text', 'json_object' and 'json_schema'."),
        };
    }
}
