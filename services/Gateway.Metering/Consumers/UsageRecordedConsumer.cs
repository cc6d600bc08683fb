using Gateway.Contracts;
using Gateway.Metering.Ledger;
using MassTransit;

namespace Gateway.Metering.Consumers;

/// <summary>Counts each UsageRecorded into the ledger; a redelivered or republished request id is counted once.</summary>
internal sealed partial class UsageRecordedConsumer(UsageLedger ledger, ILogger<UsageRecordedConsumer> logger) : IConsumer<UsageRecorded>
{
    public async Task Consume(ConsumeContext<UsageRecorded> context)
    {
        var usage = context.Message;
        var counted = await ledger.RecordAsync(usage, context.CancellationToken).ConfigureAwait(false);
        if (!counted)
        {
            LogDuplicate(logger, usage.RequestId, usage.KeyId);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Usage for request {RequestId} (key {KeyId}) was already counted")]
    private static partial void LogDuplicate(ILogger logger, string requestId, string keyId);
}
