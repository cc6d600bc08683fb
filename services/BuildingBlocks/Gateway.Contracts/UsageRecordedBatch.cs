namespace Gateway.Contracts;

/// <summary>
/// Several <see cref="UsageRecorded"/> events in one message: the Ingress publishes usage in batches (up to
/// <c>Ingress__UsageBatchMaxEvents</c> events, or what arrived within <c>Ingress__UsageBatchLingerMs</c>) so the
/// broker and Metering handle one message per batch instead of one per request. Metering counts every event once
/// per <see cref="UsageRecorded.RequestId"/>, so a batch delivered twice, or an event that appears in two batches
/// (a journal replayed after a crash), is counted once. The order of <see cref="Events"/> carries no meaning.
/// </summary>
public sealed record UsageRecordedBatch
{
    public required IReadOnlyList<UsageRecorded> Events { get; init; }
}
