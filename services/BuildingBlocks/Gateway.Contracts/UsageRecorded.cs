namespace Gateway.Contracts;

/// <summary>How a request that reached an upstream ended.</summary>
public enum UsageOutcome
{
    Completed = 0,
    Aborted = 1,
    Failed = 2,
}

/// <summary>
/// Published once for every request that reached an upstream (completed, aborted by the client, or failed),
/// with the tokens actually delivered. Metering counts it once per <see cref="RequestId"/>.
/// Prices are micro-USD per million tokens, copied from the route that served the request.
/// Token convention (OpenAI's, whatever the upstream wire): <see cref="InputTokens"/> is the whole prompt and
/// includes <see cref="CachedInputTokens"/> and <see cref="CacheWriteTokens"/>; <see cref="OutputTokens"/> includes
/// <see cref="ReasoningTokens"/>. An Anthropic upstream's usage is normalised to this before it is published
/// (input = input_tokens + cache_read_input_tokens + cache_creation_input_tokens).
/// </summary>
public sealed record UsageRecorded
{
    public required string RequestId { get; init; }
    public required string TenantId { get; init; }
    public required string KeyId { get; init; }
    public required string Model { get; init; }
    public required string ProviderId { get; init; }
    public required string UpstreamModel { get; init; }
    /// <summary>The client surface, e.g. "openai.chat".</summary>
    public required string Surface { get; init; }
    public required UsageOutcome Outcome { get; init; }
    public int HttpStatus { get; init; }
    public bool Streamed { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long ReasoningTokens { get; init; }
    public long InputPricePerMTokMicros { get; init; }
    public long OutputPricePerMTokMicros { get; init; }
    public long CachedInputPricePerMTokMicros { get; init; }
    public long CacheWritePricePerMTokMicros { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public double? TimeToFirstTokenMs { get; init; }
    public double DurationMs { get; init; }
}
