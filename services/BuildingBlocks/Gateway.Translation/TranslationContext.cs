namespace Gateway.Translation;

/// <summary>How a tool the client offered was presented to the upstream, so calls can be mapped back.</summary>
public enum ClientToolKind : byte
{
    /// <summary>A function tool (Chat <c>function</c>, Anthropic custom tool, Responses <c>function</c>).</summary>
    Function,

    /// <summary>A Responses freeform <c>custom</c> tool: offered upstream as a function with one string parameter
    /// <c>input</c>; its calls go back to the client as <c>custom_tool_call</c> items with that string as <c>input</c>.</summary>
    Custom,
}

/// <summary>One tool as the upstream knows it (<see cref="UpstreamName"/>) and as the client does.</summary>
/// <param name="Namespace">For a tool nested in a Responses <c>namespace</c> tool: the namespace's name.</param>
public sealed record ToolBinding(string UpstreamName, string ClientName, ClientToolKind Kind, string? Namespace = null);

/// <summary>
/// What the response side of a translation needs to know about the request: produced by
/// <see cref="RequestTranslator.Write"/>, consumed by <see cref="StreamTranslator"/>.
/// </summary>
public sealed record TranslationContext
{
    /// <summary>The wire the client speaks (the surface it called).</summary>
    public required Wire Client { get; init; }

    /// <summary>The wire the upstream speaks.</summary>
    public required Wire Upstream { get; init; }

    /// <summary>The model name the client sent; responses carry it back (never the upstream's own name).</summary>
    public required string ClientModel { get; init; }

    /// <summary>The client asked for a stream. (The upstream is always asked to stream on a translated call.)</summary>
    public required bool ClientStream { get; init; }

    /// <summary>Chat clients only: the client asked for <c>stream_options.include_usage</c>.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>The gateway's request id, the basis of the ids the translated response carries.</summary>
    public required string RequestId { get; init; }

    /// <summary>Unix seconds for <c>created</c> / <c>created_at</c> fields.</summary>
    public long CreatedUnixSeconds { get; init; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Every tool offered, keyed by the name the upstream knows it by.</summary>
    public IReadOnlyDictionary<string, ToolBinding> Tools { get; init; } = new Dictionary<string, ToolBinding>(StringComparer.Ordinal);
}
