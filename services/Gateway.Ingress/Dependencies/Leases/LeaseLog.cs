namespace Gateway.Ingress.Dependencies.Leases;

/// <summary>Log messages of the quota leases (key ids only, never an API key).</summary>
internal static partial class LeaseLog
{
    [LoggerMessage(101, LogLevel.Warning, "Returning {Unused} unused quota slots of key {KeyId} failed; they count against its limit until they leave the window")]
    public static partial void ReleaseFailed(ILogger logger, string keyId, int unused, Exception exception);

    [LoggerMessage(102, LogLevel.Information, "Returned {Unused} unused quota slots of {Keys} keys on shutdown")]
    public static partial void ReleasedOnShutdown(ILogger logger, int unused, int keys);
}
