using Gateway.Contracts;

namespace Gateway.Metering.Ledger;

/// <summary>
/// The cost of one request in whole micro-USD, in integer arithmetic.
/// <para>
/// Token counts follow OpenAI's convention: <see cref="UsageRecorded.InputTokens"/> is the whole prompt, of which
/// <see cref="UsageRecorded.CachedInputTokens"/> were read from the provider's cache and
/// <see cref="UsageRecorded.CacheWriteTokens"/> were written to it (an Anthropic usage block is normalised as
/// input_tokens + cache_read_input_tokens + cache_creation_input_tokens); <see cref="UsageRecorded.ReasoningTokens"/>
/// are part of <see cref="UsageRecorded.OutputTokens"/> and billed as output. So:
/// </para>
/// <code>
/// exact = max(0, input - cached - cacheWrite) * inputPrice + cached * cachedPrice
///       + cacheWrite * cacheWritePrice + output * outputPrice       (prices: micro-USD per 1,000,000 tokens)
/// cost_micros = (exact + 500,000) / 1,000,000                        (integer division: round half up)
/// </code>
/// <para>
/// <c>exact</c> is in millionths of a micro-USD and computed in 128-bit integers, so nothing overflows or rounds
/// until the one final rounding per request (an error of at most 0.5 micro-USD per request).
/// </para>
/// </summary>
internal static class UsageCost
{
    public static long Micros(UsageRecorded usage)
    {
        var uncached = Math.Max(0, usage.InputTokens - usage.CachedInputTokens - usage.CacheWriteTokens);
        var exact = (Int128)uncached * usage.InputPricePerMTokMicros
            + (Int128)usage.CachedInputTokens * usage.CachedInputPricePerMTokMicros
            + (Int128)usage.CacheWriteTokens * usage.CacheWritePricePerMTokMicros
            + (Int128)usage.OutputTokens * usage.OutputPricePerMTokMicros;
        var micros = (exact + 500_000) / 1_000_000;
        return micros > long.MaxValue ? long.MaxValue : (long)micros;
    }
}
