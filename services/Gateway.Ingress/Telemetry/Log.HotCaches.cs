namespace Gateway.Ingress.Telemetry;

/// <summary>State changes of the hot-path caches (HotCaches/). Ids from 100, apart from the request path's.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Key cache in sync with Auth's revocations; verified keys are kept for up to {TtlSeconds} s")]
    public static partial void KeyCacheInSync(ILogger logger, long ttlSeconds);

    [LoggerMessage(101, LogLevel.Warning, "Key cache out of sync with Auth's revocations ({Reason}); cleared, every key is verified with Auth until the stream is back")]
    public static partial void KeyCacheOutOfSync(ILogger logger, string reason);

    [LoggerMessage(102, LogLevel.Debug, "Key cache: the revocation stream could not be opened ({Reason}); retrying")]
    public static partial void KeyCacheSyncAttemptFailed(ILogger logger, string reason);

    [LoggerMessage(103, LogLevel.Information, "Key cache disabled (Ingress:KeyCacheTtlSeconds is 0): every key is verified with Auth")]
    public static partial void KeyCacheDisabled(ILogger logger);

    [LoggerMessage(104, LogLevel.Information, "Catalog snapshot {Version} from Routing in force locally ({Count} models)")]
    public static partial void CatalogSnapshotApplied(ILogger logger, long version, int count);

    [LoggerMessage(105, LogLevel.Warning, "The catalog stream from Routing is down ({Reason}); routing from snapshot {Version} for up to {MaxStalenessSeconds} s, then through Routing")]
    public static partial void CatalogStreamLost(ILogger logger, long version, long maxStalenessSeconds, string reason);

    [LoggerMessage(106, LogLevel.Debug, "The catalog stream from Routing could not be opened ({Reason}); retrying")]
    public static partial void CatalogStreamAttemptFailed(ILogger logger, string reason);

    [LoggerMessage(107, LogLevel.Warning, "Catalog snapshot {Version} is older than {MaxStalenessSeconds} s without a live stream; resolving through Routing")]
    public static partial void CatalogSnapshotTooOld(ILogger logger, long version, long maxStalenessSeconds);
}
