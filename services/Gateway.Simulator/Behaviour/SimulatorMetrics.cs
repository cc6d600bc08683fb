using System.Diagnostics.Metrics;

namespace Gateway.Simulator.Behaviour;

/// <summary>The simulator's own meter: requests in flight, faults injected, output tokens emitted.</summary>
internal sealed class SimulatorMetrics
{
    public const string MeterName = "Gateway.Simulator";

    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _faults;
    private readonly Counter<long> _outputTokens;
    private int _activeCount;

    public SimulatorMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _active = meter.CreateUpDownCounter<long>("simulator.requests.active", "{request}", "Completions being simulated.");
        _faults = meter.CreateCounter<long>("simulator.faults", "{fault}", "Faults injected.");
        _outputTokens = meter.CreateCounter<long>("simulator.output_tokens", "{token}", "Content deltas emitted.");
    }

    /// <summary>Completions in flight (until their handler returns, whichever way it ends).</summary>
    public int ActiveRequests => Volatile.Read(ref _activeCount);

    public void RequestStarted(string wire)
    {
        Interlocked.Increment(ref _activeCount);
        _active.Add(1, new KeyValuePair<string, object?>("wire", wire));
    }

    public void RequestEnded(string wire)
    {
        Interlocked.Decrement(ref _activeCount);
        _active.Add(-1, new KeyValuePair<string, object?>("wire", wire));
    }

    public void FaultInjected(string wire, FaultKind kind) =>
        _faults.Add(1, new KeyValuePair<string, object?>("wire", wire), new KeyValuePair<string, object?>("fault", kind.ToString()));

    public void OutputTokens(string wire, int count)
    {
        if (count > 0)
        {
            _outputTokens.Add(count, new KeyValuePair<string, object?>("wire", wire));
        }
    }
}
