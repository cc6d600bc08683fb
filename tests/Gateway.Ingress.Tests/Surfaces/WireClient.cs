using System.Text;
using System.Text.Json.Nodes;
using Gateway.Ingress.Tests.Api;

namespace Gateway.Ingress.Tests.Surfaces;

/// <summary>What a client got back, read the way that wire's SDK would: the text, the tool calls (arguments as
/// JSON text, streamed fragments reassembled) and how it ended.</summary>
internal sealed record WireAnswer(string Text, IReadOnlyList<(string Name, string Arguments)> ToolCalls, string Model, bool Completed);

/// <summary>Builds requests of one client wire (chat, messages, responses) and reads their answers, streamed or not.</summary>
internal static class WireClient
{
    public const string Chat = "chat";
    public const string Messages = "messages";
    public const string Responses = "responses";

    private const string WeatherSchema =
        """{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}""";

    public static HttpRequestMessage Request(string wire, string model, string prompt, bool stream, bool tools = false)
    {
        var body = new JsonObject { ["model"] = model };
        switch (wire)
        {
            case Chat:
                body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt });
                if (tools)
                {
                    body["tools"] = new JsonArray(JsonNode.Parse(
                        """{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":""" + WeatherSchema + "}}"));
                }

                break;
            case Messages:
                body["max_tokens"] = 512;
                body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt });
                if (tools)
                {
                    body["tools"] = new JsonArray(JsonNode.Parse(
                        """{"name":"get_weather","description":"Weather","input_schema":""" + WeatherSchema + "}"));
                }

                break;
            default:
                body["input"] = prompt;
                if (tools)
                {
                    body["tools"] = new JsonArray(JsonNode.Parse(
                        """{"type":"function","name":"get_weather","description":"Weather","parameters":""" + WeatherSchema + "}"));
                }

                break;
        }

        if (stream)
        {
            body["stream"] = true;
        }

        var path = wire switch { Chat => "/v1/chat/completions", Messages => "/v1/messages", _ => "/v1/responses" };
        var request = Http.Chat(body.ToJsonString(), path: path);
        if (wire == Messages)
        {
            request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        }

        return request;
    }

    public static WireAnswer ReadBody(string wire, string json)
    {
        var root = JsonNode.Parse(json)!;
        var text = new StringBuilder();
        var calls = new List<(string, string)>();
        bool completed;
        switch (wire)
        {
            case Chat:
                var message = root["choices"]![0]!["message"]!;
                text.Append(message["content"]?.GetValue<string>());
                foreach (var call in message["tool_calls"]?.AsArray() ?? [])
                {
                    calls.Add((call!["function"]!["name"]!.GetValue<string>(), call["function"]!["arguments"]!.GetValue<string>()));
                }

                completed = root["choices"]![0]!["finish_reason"]!.GetValue<string>() is "stop" or "tool_calls";
                break;
            case Messages:
                foreach (var block in root["content"]!.AsArray())
                {
                    switch (block!["type"]!.GetValue<string>())
                    {
                        case "text":
                            text.Append(block["text"]!.GetValue<string>());
                            break;
                        case "tool_use":
                            calls.Add((block["name"]!.GetValue<string>(), block["input"]!.ToJsonString()));
                            break;
                    }
                }

                completed = root["stop_reason"]!.GetValue<string>() is "end_turn" or "tool_use";
                break;
            default:
                foreach (var item in root["output"]!.AsArray())
                {
                    switch (item!["type"]!.GetValue<string>())
                    {
                        case "message":
                            foreach (var part in item["content"]!.AsArray())
                            {
                                text.Append(part!["text"]?.GetValue<string>());
                            }

                            break;
                        case "function_call":
                            calls.Add((item["name"]!.GetValue<string>(), item["arguments"]!.GetValue<string>()));
                            break;
                    }
                }

                completed = root["status"]!.GetValue<string>() == "completed";
                break;
        }

        return new WireAnswer(text.ToString(), calls, root["model"]!.GetValue<string>(), completed);
    }

    /// <summary>The JSON payload of an SSE event and its <c>event:</c> name (null when none).</summary>
    public static (string? Name, string Data) Parse(string evt)
    {
        string? name = null;
        var data = new StringBuilder();
        foreach (var line in evt.Split('\n'))
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line[5..].TrimStart());
            }
        }

        return (name, data.ToString());
    }

    public static WireAnswer ReadStream(string wire, IEnumerable<string> events)
    {
        var text = new StringBuilder();
        var names = new SortedDictionary<int, string>();
        var args = new SortedDictionary<int, StringBuilder>();
        var model = string.Empty;
        var completed = false;
        foreach (var evt in events)
        {
            var (name, data) = Parse(evt);
            if (data.Length == 0)
            {
                continue;
            }

            if (data == "[DONE]")
            {
                completed = true;
                continue;
            }

            var json = JsonNode.Parse(data)!;
            switch (wire)
            {
                case Chat:
                    model = json["model"]?.GetValue<string>() ?? model;
                    foreach (var choice in json["choices"]?.AsArray() ?? [])
                    {
                        var delta = choice!["delta"];
                        text.Append(delta?["content"]?.GetValue<string>());
                        foreach (var call in delta?["tool_calls"]?.AsArray() ?? [])
                        {
                            var index = call!["index"]!.GetValue<int>();
                            if (call["function"]?["name"]?.GetValue<string>() is { } callName)
                            {
                                names[index] = callName;
                            }

                            Args(args, index).Append(call["function"]?["arguments"]?.GetValue<string>());
                        }
                    }

                    break;
                case Messages:
                    switch (json["type"]!.GetValue<string>())
                    {
                        case "message_start":
                            model = json["message"]!["model"]!.GetValue<string>();
                            break;
                        case "content_block_start" when json["content_block"]!["type"]!.GetValue<string>() == "tool_use":
                            names[json["index"]!.GetValue<int>()] = json["content_block"]!["name"]!.GetValue<string>();
                            break;
                        case "content_block_delta":
                            var delta = json["delta"]!;
                            if (delta["type"]!.GetValue<string>() == "text_delta")
                            {
                                text.Append(delta["text"]!.GetValue<string>());
                            }
                            else if (delta["type"]!.GetValue<string>() == "input_json_delta")
                            {
                                Args(args, json["index"]!.GetValue<int>()).Append(delta["partial_json"]!.GetValue<string>());
                            }

                            break;
                        case "message_stop":
                            completed = true;
                            break;
                    }

                    break;
                default:
                    Assert.Equal(name, json["type"]!.GetValue<string>());
                    switch (name)
                    {
                        case "response.created":
                            model = json["response"]!["model"]!.GetValue<string>();
                            break;
                        case "response.output_text.delta":
                            text.Append(json["delta"]!.GetValue<string>());
                            break;
                        case "response.output_item.added" when json["item"]!["type"]!.GetValue<string>() == "function_call":
                            names[json["output_index"]!.GetValue<int>()] = json["item"]!["name"]!.GetValue<string>();
                            break;
                        case "response.function_call_arguments.delta":
                            Args(args, json["output_index"]!.GetValue<int>()).Append(json["delta"]!.GetValue<string>());
                            break;
                        case "response.completed":
                            completed = true;
                            break;
                    }

                    break;
            }
        }

        var calls = names.Select(n => (n.Value, args.TryGetValue(n.Key, out var a) ? a.ToString() : string.Empty)).ToList();
        return new WireAnswer(text.ToString(), calls, model, completed);
    }

    private static StringBuilder Args(SortedDictionary<int, StringBuilder> args, int index)
    {
        if (!args.TryGetValue(index, out var builder))
        {
            builder = new StringBuilder();
            args[index] = builder;
        }

        return builder;
    }
}
