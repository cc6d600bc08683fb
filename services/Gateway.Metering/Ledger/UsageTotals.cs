namespace Gateway.Metering.Ledger;

/// <summary>A key's lifetime usage as the ledger holds it.</summary>
internal sealed record UsageTotals(
    string KeyId,
    long Requests,
    long Completed,
    long Aborted,
    long Failed,
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    long ReasoningTokens,
    long CostMicros,
    long LastRequestUnixMs);
