using System.Diagnostics.Metrics;

namespace Gateway.Metering.Ledger;

/// <summary>The <c>Gateway.Metering</c> meter.</summary>
internal sealed class MeteringMetrics
{
    public const string MeterName = "Gateway.Metering";

    private readonly Counter<long> _records;
    private readonly Counter<long> _cost;

    public MeteringMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _records = meter.CreateCounter<long>(
            "gateway.metering.usage.records", unit: "{record}", description: "UsageRecorded messages, by whether they were counted or were duplicates.");
        _cost = meter.CreateCounter<long>(
            "gateway.metering.usage.cost", unit: "uUSD", description: "Cost counted into the ledger, in micro-USD.");
    }

    public void Recorded(bool counted, long costMicros)
    {
        _records.Add(1, new KeyValuePair<string, object?>("gateway.metering.result", counted ? "counted" : "duplicate"));
        if (counted)
        {
            _cost.Add(costMicros);
        }
    }
}
