namespace Gateway.Translation;

/// <summary>
/// Token counts in the gateway's one convention (OpenAI's): <see cref="Input"/> includes cached-read and cache-write
/// tokens, <see cref="Output"/> includes reasoning tokens. Anthropic's usage (where input_tokens excludes the cache)
/// is converted on the way in and back on the way out.
/// </summary>
public struct TokenUsage
{
    public long Input;
    public long Output;
    public long CachedInput;
    public long CacheWrite;
    public long Reasoning;
}
