namespace Gateway.Ingress.Usage;

/// <summary>Log messages of the usage publisher and journal (counts and paths only, never event content).</summary>
internal static partial class UsageLog
{
    [LoggerMessage(100, LogLevel.Warning, "Publishing {Count} usage events failed; RabbitMQ counts as down and usage goes to the journal in {Directory} until a replay succeeds")]
    public static partial void PublishFailedSpilling(ILogger logger, int count, string directory, Exception exception);

    [LoggerMessage(101, LogLevel.Error, "The usage journal in {Directory} is full ({Bytes} of {MaxBytes} bytes) or cannot be written: {Count} usage events wait in memory only (lost if the process ends before RabbitMQ is back)")]
    public static partial void SpillRejected(ILogger logger, string directory, long bytes, long maxBytes, int count);

    [LoggerMessage(102, LogLevel.Error, "Writing the usage journal in {Directory} failed")]
    public static partial void JournalWriteFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(103, LogLevel.Information, "Replayed {Count} usage events from journal segment {Segment}")]
    public static partial void Replayed(ILogger logger, int count, string segment);

    [LoggerMessage(104, LogLevel.Warning, "Journal segment {Segment}: {Bytes} bytes after record {Records} are incomplete or corrupt (a write cut short) and were skipped")]
    public static partial void TornTail(ILogger logger, string segment, int records, long bytes);

    [LoggerMessage(105, LogLevel.Error, "Journal segment {Segment} is not a usage journal (bad header); renamed to *.corrupt and not replayed")]
    public static partial void Unreadable(ILogger logger, string segment);

    [LoggerMessage(106, LogLevel.Warning, "Replaying {Count} usage events from the journal failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    public static partial void ReplayFailed(ILogger logger, int count, int attempt, double delayMs, Exception exception);

    [LoggerMessage(107, LogLevel.Information, "Shutdown: {Count} usage events could not be published in time and were spilled to the journal in {Directory}")]
    public static partial void SpilledOnShutdown(ILogger logger, long count, string directory);

    [LoggerMessage(108, LogLevel.Error, "The usage replay loop failed; retrying in {DelayMs} ms")]
    public static partial void ReplayLoopFailed(ILogger logger, double delayMs, Exception exception);
}
