using System.Text.Json;
using static Gateway.Translation.Tests.Requests.RequestFixtures;

namespace Gateway.Translation.Tests.Requests;

/// <summary>Every recorded client request (SDKs, Claude Code, Codex) parses, and written to each other wire and read
/// back as that wire's client request, keeps what the model carries.</summary>
public sealed class RecordedRequestTests
{
    public static TheoryData<string, int, Wire> Recorded() => All();

    [Theory]
    [MemberData(nameof(Recorded))]
    public void TryParse_RecordedRequest_Succeeds(string file, int index, Wire wire)
    {
        var request = Parse(wire, Body(file, index));

        Assert.Equal(wire, request.SourceWire);
        Assert.False(string.IsNullOrEmpty(request.Model));
        Assert.NotEmpty(request.Messages);
        if (wire != Wire.OpenAiChat)
        {
            Assert.True(request.IncludeUsage);
        }
    }

    [Theory]
    [MemberData(nameof(Recorded))]
    public void Write_RecordedRequestToOtherWires_EssentialFieldsWritten(string file, int index, Wire wire)
    {
        var request = Parse(wire, Body(file, index));
        foreach (var upstream in Enum.GetValues<Wire>().Where(w => w != wire))
        {
            var body = Write(request, upstream, out var context);

            Assert.Equal("up-model", body.GetProperty("model").GetString());
            Assert.True(body.GetProperty("stream").GetBoolean());
            Assert.Equal(wire, context.Client);
            Assert.Equal(upstream, context.Upstream);
            Assert.Equal(request.Model, context.ClientModel);
            Assert.Equal(request.Stream, context.ClientStream);
            Assert.Equal("req1", context.RequestId);
            Assert.Equal(request.Tools.Select(t => t.UpstreamName).Order(), context.Tools.Keys.Order());
            Assert.Equal(request.Tools.Select(t => t.UpstreamName), WrittenToolNames(body, upstream));
            switch (upstream)
            {
                case Wire.OpenAiChat:
                    Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
                    Assert.Equal(request.MaxTokens, body.TryGetProperty("max_completion_tokens", out var chatMax) ? chatMax.GetInt32() : null);
                    break;
                case Wire.AnthropicMessages:
                    Assert.Equal(request.MaxTokens ?? RequestTranslator.DefaultAnthropicMaxTokens, body.GetProperty("max_tokens").GetInt32());
                    Assert.Equal("user", body.GetProperty("messages")[0].GetProperty("role").GetString());
                    break;
                case Wire.OpenAiResponses:
                    Assert.False(body.GetProperty("store").GetBoolean());
                    Assert.Equal(request.MaxTokens, body.TryGetProperty("max_output_tokens", out var responsesMax) ? responsesMax.GetInt32() : null);
                    break;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Recorded))]
    public void Write_RecordedRequestThroughOtherWire_ReadsBackTheSameConversation(string file, int index, Wire wire)
    {
        var request = Parse(wire, Body(file, index));
        foreach (var upstream in Enum.GetValues<Wire>().Where(w => w != wire))
        {
            var back = Parse(upstream, WriteBytes(request, upstream));

            var keepThinking = upstream == Wire.AnthropicMessages;
            var expectedSystem = request.System.Select(p => p.Text).Where(t => t.Length > 0).ToList();
            var actualSystem = back.System.Select(p => p.Text).ToList();
            if (upstream == Wire.AnthropicMessages && request.ResponseFormat is { Kind: ResponseFormatKind.JsonObject })
            {
                // json_object has no native Anthropic form: its instruction is the system prompt's last block.
                Assert.Contains("JSON", actualSystem[^1], StringComparison.Ordinal);
                actualSystem.RemoveAt(actualSystem.Count - 1);
            }
            else if (upstream == Wire.AnthropicMessages && request.ResponseFormat is { Kind: ResponseFormatKind.JsonSchema } sent)
            {
                // Anthropic's output_config.format carries the schema (not its name or strictness).
                Assert.Equal(ResponseFormatKind.JsonSchema, back.ResponseFormat?.Kind);
                Assert.Equal(Compact(sent.SchemaJson!), Compact(back.ResponseFormat!.SchemaJson!));
            }
            else
            {
                Assert.Equal(request.ResponseFormat, back.ResponseFormat);
            }

            Assert.Equal(expectedSystem, actualSystem);
            Assert.Equal(Flatten(request, keepThinking), Flatten(back, keepThinking));
            Assert.Equal(request.Tools.Select(t => (t.UpstreamName, Compact(t.ParametersJson))),
                back.Tools.Select(t => (t.Name, Compact(t.ParametersJson))));
            Assert.Equal(request.ToolChoice is null ? null : request.ToolChoice.Mode, back.ToolChoice?.Mode);
            Assert.Equal(request.Temperature, back.Temperature);
            Assert.Equal(RequestTranslator.EffectiveEffort(request), RequestTranslator.EffectiveEffort(back));
            Assert.True(back.Stream);
            Assert.Equal(request.UsesTools, back.UsesTools);
            Assert.Equal(request.UsesImages, back.UsesImages);
        }
    }

    private static IEnumerable<string> WrittenToolNames(JsonElement body, Wire upstream)
    {
        if (!body.TryGetProperty("tools", out var tools))
        {
            return [];
        }

        return tools.EnumerateArray().Select(t => upstream == Wire.OpenAiChat
            ? t.GetProperty("function").GetProperty("name").GetString()!
            : t.GetProperty("name").GetString()!).ToList();
    }

    /// <summary>The conversation as a flat list of role-tagged parts (turn boundaries differ between wires).</summary>
    internal static List<string> Flatten(CanonicalRequest request, bool keepThinking)
    {
        var lines = new List<string>();
        foreach (var message in request.Messages)
        {
            foreach (var part in message.Parts)
            {
                switch (part)
                {
                    case TextPart { Text.Length: > 0 } text:
                        lines.Add($"{message.Role}:text:{text.Text}");
                        break;
                    case ImagePart image:
                        lines.Add($"{message.Role}:image:{image.ToUrl()}");
                        break;
                    case ToolCallPart call:
                        lines.Add($"call:{call.Id}:{call.UpstreamName}:{Compact(call.Arguments)}");
                        break;
                    case ToolResultPart result:
                        lines.Add($"result:{result.CallId}:{result.IsError}:{result.JoinedText()}");
                        break;
                    case ThinkingPart thinking when keepThinking:
                        lines.Add($"thinking:{thinking.Text}:{thinking.Signature}");
                        break;
                    case RedactedThinkingPart redacted when keepThinking:
                        lines.Add($"redacted:{redacted.Data}");
                        break;
                }
            }
        }

        return lines;
    }

    internal static string Compact(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement);
    }
}
