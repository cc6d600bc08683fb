namespace Gateway.Ingress.Tests.Quota;

/// <summary>A monotonic clock that moves only when a test says so (lease expiry without waiting).</summary>
internal sealed class ManualTime : TimeProvider
{
    private long _timestamp = 1_000_000_000;

    public override long GetTimestamp() => Interlocked.Read(ref _timestamp);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _timestamp, (long)(by.TotalSeconds * TimestampFrequency));
}
