namespace Gateway.FunctionalTests.Matrix;

/// <summary>
/// The cells of issue 3's client × upstream matrix: every client surface (driven by its official SDK) against a model
/// of every upstream wire in the default catalog.
/// </summary>
public static class MatrixCells
{
    /// <summary>/v1/chat/completions through the OpenAI .NET SDK's ChatClient.</summary>
    public const string Chat = "chat";

    /// <summary>/v1/responses through the OpenAI .NET SDK's ResponsesClient.</summary>
    public const string Responses = "responses";

    /// <summary>/v1/messages through the Anthropic C# SDK.</summary>
    public const string Messages = "messages";

    /// <summary>A non-streaming call: non-empty text, usage above zero.</summary>
    public const string Plain = "plain";

    /// <summary>The same prompt streamed: the same text as the plain call, usage present, the SDK's stream ends.</summary>
    public const string Streamed = "streamed";

    /// <summary>A tool offered, called with arguments valid against its schema, the result sent back, a text answer.</summary>
    public const string ToolRoundTrip = "tool-round-trip";

    /// <summary>The tool offered on a streamed call: the SDK reassembles the call from its streamed updates, arguments valid.</summary>
    public const string StreamedToolCall = "streamed-tool-call";

    /// <summary>A JSON schema response format (Chat response_format, Responses text.format, Messages
    /// output_config.format): the text is an instance.</summary>
    public const string StructuredOutput = "structured-output";

    /// <summary>
    /// Messages only: the older structured-output pattern Anthropic clients use, one tool whose input schema is the wanted
    /// schema, forced with tool_choice {type: tool}; the forced call's input is the structured answer.
    /// </summary>
    public const string StructuredViaForcedTool = "structured-output-via-forced-tool";

    /// <summary>The simulated models of the default catalog, one per upstream wire.</summary>
    public static readonly IReadOnlyDictionary<string, string> ModelWires = new Dictionary<string, string>
    {
        ["sim-gpt"] = "openai-chat",
        ["sim-claude"] = "anthropic-messages",
        ["sim-responses"] = "openai-responses",
    };

    /// <summary>The wire each surface speaks to its client.</summary>
    public static readonly IReadOnlyDictionary<string, string> SurfaceWires = new Dictionary<string, string>
    {
        [Chat] = "openai-chat",
        [Responses] = "openai-responses",
        [Messages] = "anthropic-messages",
    };

    public static TheoryData<string, string, string> All()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var surface in SurfaceWires.Keys)
        {
            foreach (var model in ModelWires.Keys)
            {
                data.Add(surface, model, Plain);
                data.Add(surface, model, Streamed);
                data.Add(surface, model, ToolRoundTrip);
                data.Add(surface, model, StreamedToolCall);
                data.Add(surface, model, StructuredOutput);
                if (surface == Messages)
                {
                    data.Add(surface, model, StructuredViaForcedTool);
                }
            }
        }

        return data;
    }

    /// <summary>Every surface against every model served over another wire.</summary>
    public static TheoryData<string, string> CrossWire()
    {
        var data = new TheoryData<string, string>();
        foreach (var (surface, surfaceWire) in SurfaceWires)
        {
            foreach (var (model, modelWire) in ModelWires)
            {
                if (surfaceWire != modelWire)
                {
                    data.Add(surface, model);
                }
            }
        }

        return data;
    }
}
