namespace Gateway.Ingress.Tests.HotCaches;

/// <summary>A clock the test moves by hand (timestamps in ticks).</summary>
internal sealed class ManualTime : TimeProvider
{
    private long _now = TimeSpan.FromHours(1).Ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, by.Ticks);
}
