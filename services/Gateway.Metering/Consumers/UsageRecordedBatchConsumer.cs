using Gateway.Contracts;
using Gateway.Metering.Ledger;
using MassTransit;

namespace Gateway.Metering.Consumers;

/// <summary>
/// Counts every event of a <see cref="UsageRecordedBatch"/> into the ledger. The per-event ledger scripts are issued
/// together (the Redis connection pipelines them) and all are awaited before the message is acknowledged, so a
/// batch is acked only once each of its events is counted (or found counted before). A failure of any event fails
/// the message: it is retried whole, and the events already counted are recognised as duplicates by request id.
/// Events that can never be counted (<see cref="InvalidUsageRecordException"/>) do not hold back the others: the
/// valid ones are counted, then the message goes to the error queue (no retry), from where moving it back counts
/// nothing twice.
/// </summary>
internal sealed partial class UsageRecordedBatchConsumer(UsageLedger ledger, ILogger<UsageRecordedBatchConsumer> logger)
    : IConsumer<UsageRecordedBatch>
{
    public async Task Consume(ConsumeContext<UsageRecordedBatch> context)
    {
        var events = context.Message.Events;
        if (events is null || events.Count == 0)
        {
            return;
        }

        var ct = context.CancellationToken;
        var records = new Task<bool>[events.Count];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = RecordAsync(events[i], ct);
        }

        try
        {
            await Task.WhenAll(records).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Inspected per task below.
        }

        int counted = 0, duplicates = 0, invalid = 0;
        Exception? transient = null;
        foreach (var record in records)
        {
            if (record.IsCompletedSuccessfully)
            {
                if (record.Result)
                {
                    counted++;
                }
                else
                {
                    duplicates++;
                }
            }
            else if (record.Exception?.GetBaseException() is InvalidUsageRecordException)
            {
                invalid++;
            }
            else
            {
                transient ??= record.Exception?.GetBaseException() ?? new OperationCanceledException(ct);
            }
        }

        if (transient is not null)
        {
            // Retried whole by the endpoint's retry policy; what was counted now is a duplicate next time.
            throw transient;
        }

        if (duplicates > 0)
        {
            LogDuplicates(logger, duplicates, records.Length);
        }

        if (invalid > 0)
        {
            LogInvalid(logger, invalid, records.Length, counted);
            throw new InvalidUsageRecordException($"{invalid} of {records.Length} events of the batch cannot be counted; the others were.");
        }
    }

    private Task<bool> RecordAsync(UsageRecorded usage, CancellationToken ct)
    {
        try
        {
            return ledger.RecordAsync(usage, ct);
        }
        catch (Exception ex)
        {
            return Task.FromException<bool>(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Duplicates} of {Count} usage events of a batch were already counted")]
    private static partial void LogDuplicates(ILogger logger, int duplicates, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Invalid} of {Count} usage events of a batch cannot be counted ({Counted} were counted); the message goes to the error queue")]
    private static partial void LogInvalid(ILogger logger, int invalid, int count, int counted);
}
