namespace Gateway.Translation;

/// <summary>The full wire-neutral request: conversation, tools and generation options.</summary>
public sealed partial class CanonicalRequest
{
    /// <summary>The leading system prompt (Chat leading system/developer messages, Anthropic <c>system</c>, Responses
    /// <c>instructions</c> plus leading system/developer items), one part per block.</summary>
    public List<TextPart> System { get; } = [];

    /// <summary>The conversation after the leading system prompt. A system/developer message further down is kept at
    /// its position with <see cref="MessageRole.System"/>.</summary>
    public List<CanonicalMessage> Messages { get; } = [];

    /// <summary>Tools offered (hosted tools such as <c>web_search</c> are dropped on parse).</summary>
    public List<CanonicalTool> Tools { get; } = [];

    public CanonicalToolChoice? ToolChoice { get; set; }

    /// <summary><c>parallel_tool_calls</c> / the inverse of Anthropic <c>disable_parallel_tool_use</c>.</summary>
    public bool? ParallelToolCalls { get; set; }

    public CanonicalResponseFormat? ResponseFormat { get; set; }

    public List<string> StopSequences { get; } = [];

    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    /// <summary>Reasoning effort: <c>none</c>, <c>minimal</c>, <c>low</c>, <c>medium</c>, <c>high</c> or <c>xhigh</c>
    /// (Chat <c>reasoning_effort</c>, Responses <c>reasoning.effort</c>, Anthropic <c>output_config.effort</c>).
    /// A caller that knows the upstream model cannot reason may clear it before <see cref="RequestTranslator.Write"/>.</summary>
    public string? ReasoningEffort { get; set; }

    /// <summary>Anthropic <c>thinking.type</c>, when the client sent one.</summary>
    public ThinkingMode? Thinking { get; set; }

    /// <summary>Anthropic <c>thinking.budget_tokens</c>.</summary>
    public int? ThinkingBudget { get; set; }
}

public enum MessageRole : byte
{
    System,
    User,
    Assistant,

    /// <summary>Tool results (<see cref="ToolResultPart"/> only).</summary>
    Tool,
}

/// <summary>One turn of the conversation.</summary>
public sealed class CanonicalMessage(MessageRole role)
{
    public MessageRole Role { get; } = role;

    public List<ContentPart> Parts { get; } = [];
}

/// <summary>A piece of message content.</summary>
public abstract record ContentPart;

public sealed record TextPart(string Text) : ContentPart;

/// <summary>An image: either <see cref="Url"/> (http/https) or <see cref="MediaType"/> + base64 <see cref="Data"/>.</summary>
public sealed record ImagePart : ContentPart
{
    public string? Url { get; init; }

    public string? MediaType { get; init; }

    public string? Data { get; init; }

    /// <summary>OpenAI's <c>detail</c> (low/high/auto), when given.</summary>
    public string? Detail { get; init; }

    /// <summary>A <c>data:</c> URL for base64 images, else <see cref="Url"/>.</summary>
    public string ToUrl() => Data is not null ? $"data:{MediaType};base64,{Data}" : Url ?? string.Empty;
}

/// <summary>A tool call made by the assistant. <see cref="Id"/> passes through unchanged (call_…, toolu_…; the
/// Responses <c>call_id</c>). <see cref="Arguments"/> is JSON text as the upstream sees it (a custom tool's freeform
/// input is <c>{"input": "…"}</c>).</summary>
public sealed record ToolCallPart(string Id, string Name, string Arguments) : ContentPart
{
    /// <summary>The Responses namespace the tool belongs to (its upstream name is <c>{Namespace}__{Name}</c>).</summary>
    public string? Namespace { get; init; }

    public ClientToolKind Kind { get; init; }

    public string UpstreamName => CanonicalTool.Flatten(Namespace, Name);
}

/// <summary>The result of a tool call: text and image parts.</summary>
public sealed record ToolResultPart(string CallId, IReadOnlyList<ContentPart> Content, bool IsError = false) : ContentPart
{
    /// <summary>The text parts joined (what wires without structured tool results get).</summary>
    public string JoinedText()
    {
        var texts = Content.OfType<TextPart>().Select(static t => t.Text);
        return string.Join("\n", texts);
    }
}

/// <summary>An Anthropic thinking block (also a Responses reasoning item: summary text, encrypted_content = signature).</summary>
public sealed record ThinkingPart(string Text, string? Signature) : ContentPart;

public sealed record RedactedThinkingPart(string Data) : ContentPart;

/// <summary>A tool the client offered.</summary>
/// <param name="Name">The client's name for it (inside its namespace, if any).</param>
/// <param name="ParametersJson">JSON schema text of the arguments (a custom tool: the synthetic <c>{input: string}</c> schema).</param>
public sealed record CanonicalTool(string Name, string? Description, string ParametersJson, ClientToolKind Kind = ClientToolKind.Function)
{
    public string? Namespace { get; init; }

    public bool? Strict { get; init; }

    /// <summary>The name the upstream knows the tool by: <c>{namespace}__{name}</c> for a namespaced tool.</summary>
    public string UpstreamName => Flatten(Namespace, Name);

    internal static string Flatten(string? ns, string name) => ns is null ? name : $"{ns}__{name}";
}

public enum ToolChoiceMode : byte
{
    Auto,
    None,
    Required,
    Named,
}

/// <param name="Name">For <see cref="ToolChoiceMode.Named"/>: the tool's upstream name.</param>
public sealed record CanonicalToolChoice(ToolChoiceMode Mode, string? Name = null);

public enum ResponseFormatKind : byte
{
    Text,
    JsonObject,
    JsonSchema,
}

public sealed record CanonicalResponseFormat(ResponseFormatKind Kind, string? Name = null, string? SchemaJson = null, bool? Strict = null,
    string? Description = null);

public enum ThinkingMode : byte
{
    Disabled,
    Enabled,
    Adaptive,
}
