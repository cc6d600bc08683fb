namespace Gateway.Ingress.Usage;

/// <summary>Token counts of one request, as the upstream reported them (OpenAI semantics: input includes cached
/// input, output includes reasoning).</summary>
internal struct UsageCounts
{
    public long Input;
    public long Output;
    public long CachedInput;
    public long CacheWrite;
    public long Reasoning;
}
