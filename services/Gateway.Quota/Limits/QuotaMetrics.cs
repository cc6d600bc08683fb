using System.Diagnostics.Metrics;

namespace Gateway.Quota.Limits;

/// <summary>The <c>Gateway.Quota</c> meter.</summary>
internal sealed class QuotaMetrics
{
    public const string MeterName = "Gateway.Quota";

    private readonly Counter<long> _admissions;
    private readonly Counter<long> _leases;
    private readonly Counter<long> _leasedSlots;
    private readonly Counter<long> _released;

    public QuotaMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _admissions = meter.CreateCounter<long>(
            "gateway.quota.rpm.admissions", unit: "{request}", description: "Requests-per-minute admissions, by whether they were allowed.");
        _leases = meter.CreateCounter<long>(
            "gateway.quota.rpm.leases", unit: "{lease}", description: "Lease requests, by whether any slot was granted.");
        _leasedSlots = meter.CreateCounter<long>(
            "gateway.quota.rpm.leased_slots", unit: "{request}", description: "Slots granted in leases (recorded like admissions).");
        _released = meter.CreateCounter<long>(
            "gateway.quota.rpm.released", unit: "{request}", description: "Leased slots given back unused.");
    }

    public void Admitted(bool allowed) =>
        _admissions.Add(1, new KeyValuePair<string, object?>("gateway.quota.allowed", allowed));

    public void Leased(int granted)
    {
        _leases.Add(1, new KeyValuePair<string, object?>("gateway.quota.allowed", granted > 0));
        _leasedSlots.Add(granted);
    }

    public void Released(int slots) => _released.Add(slots);
}
