using System.Text.Json;
using static Gateway.Translation.Requests.JsonRead;

namespace Gateway.Translation.Requests;

/// <summary>Reads an OpenAI Chat Completions request body.</summary>
internal static class ChatRequestReader
{
    public static CanonicalRequest Read(JsonElement root)
    {
        var request = new CanonicalRequest { SourceWire = Wire.OpenAiChat, Model = ReadModel(root) };

        foreach (var legacy in (ReadOnlySpan<string>)["functions", "function_call", "audio"])
        {
            if (TryGet(root, legacy, out _))
            {
                throw Unsupported(legacy, legacy == "audio"
                    ? "audio output is not supported on a translated route."
                    : "the legacy functions API is not supported on a translated route; use 'tools' and 'tool_choice'.");
            }
        }

        if (OptInt(root, "n", "", 1) is > 1)
        {
            throw Unsupported("n", "only one choice (n = 1) can be generated on a translated route.");
        }

        request.Stream = OptBool(root, "stream", "") ?? false;
        if (OptObject(root, "stream_options", "") is { } streamOptions)
        {
            request.IncludeUsage = OptBool(streamOptions, "include_usage", "stream_options") ?? false;
        }

        request.MaxTokens = OptInt(root, "max_completion_tokens", "", 1) ?? OptInt(root, "max_tokens", "", 1);
        request.Temperature = OptNumber(root, "temperature", "", 0, 2);
        request.TopP = OptNumber(root, "top_p", "", 0, 1);
        request.User = OptString(root, "user", "") ?? OptString(root, "safety_identifier", "");
        request.ParallelToolCalls = OptBool(root, "parallel_tool_calls", "");
        if (OptString(root, "reasoning_effort", "") is { } effort)
        {
            request.ReasoningEffort = Effort(effort, "reasoning_effort");
        }

        ReadStops(root, "stop", request.StopSequences);
        request.ResponseFormat = ReadResponseFormat(root);
        ReadTools(root, request.Tools);
        request.ToolChoice = ReadToolChoice(root);

        var messages = OptArray(root, "messages", "") ?? throw Missing("messages");
        var all = new List<CanonicalMessage>();
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            ReadMessage(message, Path("messages", index), all);
            index++;
        }

        CanonicalBuilder.Finish(request, all, "messages", "tool_choice");
        return request;
    }

    internal static string ReadModel(JsonElement root)
    {
        var model = ReqString(root, "model", "");
        return model.Length > 0 ? model : throw Missing("model");
    }

    private static void ReadMessage(JsonElement message, string path, List<CanonicalMessage> all)
    {
        RequireObject(message, path);
        var role = ReqString(message, "role", path);
        switch (role)
        {
            case "system":
            case "developer":
                var system = new CanonicalMessage(MessageRole.System);
                ReadTextContent(message, path, system.Parts, allowRefusal: false);
                all.Add(system);
                break;
            case "user":
                all.Add(ReadUser(message, path));
                break;
            case "assistant":
                all.Add(ReadAssistant(message, path));
                break;
            case "tool":
                var callId = ReqString(message, "tool_call_id", path);
                var content = new List<ContentPart>();
                ReadTextContent(message, path, content, allowRefusal: false);
                CanonicalBuilder.AppendTo(all, MessageRole.Tool, new ToolResultPart(callId, content));
                break;
            case "function":
                throw Unsupported(Path(path, "role"), "the legacy 'function' role is not supported on a translated route; use 'tool' messages.");
            default:
                throw Invalid(Path(path, "role"),
                    $"Invalid value: '{role}'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.");
        }
    }

    private static CanonicalMessage ReadUser(JsonElement message, string path)
    {
        var user = new CanonicalMessage(MessageRole.User);
        var contentPath = Path(path, "content");
        if (!TryGet(message, "content", out var content))
        {
            throw Missing(contentPath);
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            user.Parts.Add(new TextPart(content.GetString()!));
            return user;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(contentPath, "a string or an array of content parts");
        }

        var i = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = Path(contentPath, i);
            RequireObject(part, partPath);
            var type = ReqString(part, "type", partPath);
            switch (type)
            {
                case "text":
                    user.Parts.Add(new TextPart(ReqString(part, "text", partPath)));
                    break;
                case "image_url":
                    var imagePath = Path(partPath, "image_url");
                    if (!TryGet(part, "image_url", out var image))
                    {
                        throw Missing(imagePath);
                    }

                    // The object form is the documented one; some clients send the URL as a bare string.
                    var url = image.ValueKind == JsonValueKind.String ? image.GetString()!
                        : image.ValueKind == JsonValueKind.Object ? ReqString(image, "url", imagePath)
                        : throw WrongType(imagePath, "an object");
                    var detail = image.ValueKind == JsonValueKind.Object ? OptString(image, "detail", imagePath) : null;
                    user.Parts.Add(ImageFromUrl(url, detail, Path(imagePath, "url")));
                    break;
                case "input_audio":
                case "file":
                    throw Unsupported(Path(partPath, "type"), $"'{type}' content is not supported on a translated route.");
                default:
                    throw Invalid(Path(partPath, "type"),
                        $"Invalid value: '{type}'. Supported values are: 'text', 'image_url', 'input_audio' and 'file'.");
            }

            i++;
        }

        return user;
    }

    private static CanonicalMessage ReadAssistant(JsonElement message, string path)
    {
        var assistant = new CanonicalMessage(MessageRole.Assistant);
        if (TryGet(message, "function_call", out _))
        {
            throw Unsupported(Path(path, "function_call"), "the legacy functions API is not supported on a translated route; use 'tool_calls'.");
        }

        ReadTextContent(message, path, assistant.Parts, allowRefusal: true, optional: true);
        if (OptString(message, "refusal", path) is { Length: > 0 } refusal && assistant.Parts.Count == 0)
        {
            assistant.Parts.Add(new TextPart(refusal));
        }

        if (OptArray(message, "tool_calls", path) is { } calls)
        {
            var callsPath = Path(path, "tool_calls");
            var i = 0;
            foreach (var call in calls.EnumerateArray())
            {
                var callPath = Path(callsPath, i);
                RequireObject(call, callPath);
                var type = OptString(call, "type", callPath) ?? "function";
                if (type != "function")
                {
                    throw Unsupported(Path(callPath, "type"), $"'{type}' tool calls are not supported on a translated route.");
                }

                var id = ReqString(call, "id", callPath);
                var function = OptObject(call, "function", callPath) ?? throw Missing(Path(callPath, "function"));
                var functionPath = Path(callPath, "function");
                var name = ReqString(function, "name", functionPath);
                var arguments = OptString(function, "arguments", functionPath) ?? "{}";
                assistant.Parts.Add(new ToolCallPart(id, name, arguments));
                i++;
            }
        }

        return assistant;
    }

    /// <summary>Content as a string or an array of text (and, for the assistant, refusal) parts.</summary>
    private static void ReadTextContent(JsonElement message, string path, List<ContentPart> into, bool allowRefusal, bool optional = false)
    {
        var contentPath = Path(path, "content");
        if (!TryGet(message, "content", out var content))
        {
            if (optional)
            {
                return;
            }

            throw Missing(contentPath);
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            if (content.GetString() is { Length: > 0 } || !optional)
            {
                into.Add(new TextPart(content.GetString()!));
            }

            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(contentPath, "a string or an array of content parts");
        }

        var i = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = Path(contentPath, i);
            RequireObject(part, partPath);
            var type = ReqString(part, "type", partPath);
            if (type == "text")
            {
                into.Add(new TextPart(ReqString(part, "text", partPath)));
            }
            else if (type == "refusal" && allowRefusal)
            {
                into.Add(new TextPart(ReqString(part, "refusal", partPath)));
            }
            else
            {
                throw Invalid(Path(partPath, "type"),
                    $"Invalid value: '{type}'. Supported values are: 'text'{(allowRefusal ? " and 'refusal'" : string.Empty)}.");
            }

            i++;
        }
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
            var type = ReqString(tool, "type", path);
            if (type != "function")
            {
                throw Unsupported(Path(path, "type"), $"'{type}' tools are not supported on a translated route; use 'function' tools.");
            }

            var function = OptObject(tool, "function", path) ?? throw Missing(Path(path, "function"));
            var functionPath = Path(path, "function");
            tools.Add(new CanonicalTool(ReqString(function, "name", functionPath), OptString(function, "description", functionPath),
                SchemaText(function, "parameters", functionPath))
            {
                Strict = OptBool(function, "strict", functionPath),
            });
            i++;
        }
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
        if (type != "function")
        {
            throw Unsupported("tool_choice.type", $"'{type}' is not supported on a translated route; name a function or use 'auto', 'none' or 'required'.");
        }

        var function = OptObject(choice, "function", "tool_choice") ?? throw Missing("tool_choice.function");
        return new CanonicalToolChoice(ToolChoiceMode.Named, ReqString(function, "name", "tool_choice.function"));
    }

    private static CanonicalResponseFormat? ReadResponseFormat(JsonElement root)
    {
        if (OptObject(root, "response_format", "") is not { } format)
        {
            return null;
        }

        var type = ReqString(format, "type", "response_format");
        switch (type)
        {
            case "text":
                return new CanonicalResponseFormat(ResponseFormatKind.Text);
            case "json_object":
                return new CanonicalResponseFormat(ResponseFormatKind.JsonObject);
            case "json_schema":
                var schema = OptObject(format, "json_schema", "response_format") ?? throw Missing("response_format.json_schema");
                const string path = "response_format.json_schema";
                return new CanonicalResponseFormat(ResponseFormatKind.JsonSchema, ReqString(schema, "name", path),
                    SchemaText(schema, "schema", path), OptBool(schema, "strict", path), OptString(schema, "description", path));
            default:
                throw Invalid("response_format.type", $"Invalid value: '{type}'. Supported values are: 'text', 'json_object' and 'json_schema'.");
        }
    }
}
