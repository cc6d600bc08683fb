namespace Gateway.Translation;

/// <summary>
/// A client request in wire-neutral form: what <see cref="RequestTranslator.TryParse"/> reads from any client wire and
/// <see cref="RequestTranslator.Write"/> writes to any upstream wire. The members below are the ones the Ingress uses
/// (admission, capability checks, metering); the full model lives alongside.
/// </summary>
public sealed partial class CanonicalRequest
{
    /// <summary>The wire the request was read from.</summary>
    public required Wire SourceWire { get; init; }

    /// <summary>The model name as the client sent it.</summary>
    public required string Model { get; set; }

    public bool Stream { get; set; }

    /// <summary>Chat: <c>stream_options.include_usage</c>. Always true for Anthropic and Responses clients (their
    /// streams carry usage natively).</summary>
    public bool IncludeUsage { get; set; }

    /// <summary><c>max_tokens</c> / <c>max_completion_tokens</c> / <c>max_output_tokens</c>, when given.</summary>
    public int? MaxTokens { get; set; }

    /// <summary>The request offers tools or carries tool calls/results in its history.</summary>
    public bool UsesTools { get; set; }

    /// <summary>Some message carries an image.</summary>
    public bool UsesImages { get; set; }

    /// <summary>The end user the client named (<c>user</c>, <c>metadata.user_id</c>, <c>safety_identifier</c>).</summary>
    public string? User { get; set; }
}
