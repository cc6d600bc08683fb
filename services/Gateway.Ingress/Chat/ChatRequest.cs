namespace Gateway.Ingress.Chat;

/// <summary>
/// What the gateway reads from a chat-completions body, plus the byte offsets the rewriter needs. Offsets are into
/// the original body; a length of -1 means absent.
/// </summary>
internal struct ChatRequest
{
    public string Model;
    public int ModelStart;
    public int ModelLength;

    /// <summary>From the body's <c>stream</c> (never from Accept).</summary>
    public bool Stream;

    /// <summary>The client asked for <c>stream_options.include_usage: true</c>.</summary>
    public bool ClientIncludeUsage;

    /// <summary>The <c>stream_options</c> value (object or null).</summary>
    public int StreamOptionsStart;
    public int StreamOptionsLength;
    public bool StreamOptionsIsNull;

    /// <summary>Whether <c>stream_options</c> holds properties other than include_usage.</summary>
    public bool StreamOptionsHasOtherProperties;

    /// <summary>The <c>include_usage</c> value inside stream_options.</summary>
    public int IncludeUsageStart;
    public int IncludeUsageLength;

    /// <summary>Offset of the closing brace of the top-level object.</summary>
    public int ObjectEnd;

    /// <summary><c>max_completion_tokens</c>, else <c>max_tokens</c>, when given.</summary>
    public long? MaxTokens;

    public string? User;

    /// <summary>The request offers tools or carries tool calls/results in its history; <see cref="ToolsParam"/> names
    /// the field that showed it (for the capability error).</summary>
    public bool UsesTools;
    public string? ToolsParam;

    /// <summary>The request asks for structured output (<c>response_format</c>, Responses <c>text.format</c>, Anthropic
    /// <c>output_format</c> of a JSON type); <see cref="JsonParam"/> names the field.</summary>
    public bool UsesJson;
    public string? JsonParam;

    /// <summary>Some message carries an image; <see cref="ImagesParam"/> names the field (messages or input).</summary>
    public bool UsesImages;
    public string? ImagesParam;
}
