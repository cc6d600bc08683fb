using System.Diagnostics.Metrics;

namespace Gateway.Quota.Limits;

/// <summary>The <c>Gateway.Quota</c> meter.</summary>
internal sealed class QuotaMetrics
{
    public const string MeterName = "Gateway.Quota";

    private readonly Counter<long> _admissions;

    public QuotaMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _admissions = meter.CreateCounter<long>(
            "gateway.quota.rpm.admissions", unit: "{request}", description: "Requests-per-minute admissions, by whether they were allowed.");
    }

    public void Admitted(bool allowed) =>
        _admissions.Add(1, new KeyValuePair<string, object?>("gateway.quota.allowed", allowed));
}
