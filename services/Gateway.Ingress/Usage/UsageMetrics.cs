using System.Diagnostics.Metrics;
using Gateway.Ingress.Telemetry;

namespace Gateway.Ingress.Usage;

/// <summary>
/// The usage path's instruments, on the Ingress meter (<see cref="IngressTelemetry.Name"/>):
/// <list type="bullet">
/// <item><c>gateway.usage.queue.depth</c> (gauge): events recorded and neither published nor spilled yet (in memory)</item>
/// <item><c>gateway.usage.journal.size</c> (gauge, bytes): the journal on disk, events waiting to be replayed</item>
/// <item><c>gateway.usage.published</c>: events published straight from memory</item>
/// <item><c>gateway.usage.spilled</c>: events appended to the journal</item>
/// <item><c>gateway.usage.replayed</c>: events published from the journal</item>
/// <item><c>gateway.usage.spill.rejected</c>: events the journal could not take (full or unwritable), kept in memory</item>
/// <item><c>gateway.usage.lost</c>: events neither published nor spilled when the process stopped</item>
/// </list>
/// </summary>
internal sealed class UsageMetrics
{
    private readonly Counter<long> _published;
    private readonly Counter<long> _spilled;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _lost;

    public UsageMetrics(IMeterFactory meterFactory, UsageQueue queue, UsageJournal journal)
    {
        var meter = meterFactory.Create(IngressTelemetry.Name);
        meter.CreateObservableGauge("gateway.usage.queue.depth", () => queue.Outstanding, "{event}",
            "Usage events recorded and neither published nor spilled to the journal yet (held in memory).");
        meter.CreateObservableGauge("gateway.usage.journal.size", () => journal.Bytes, "By",
            "Bytes of the usage journal on disk: events waiting to be replayed to RabbitMQ.");
        _published = meter.CreateCounter<long>("gateway.usage.published", "{event}", "Usage events published to RabbitMQ from memory.");
        _spilled = meter.CreateCounter<long>("gateway.usage.spilled", "{event}", "Usage events appended to the journal because RabbitMQ was unreachable.");
        _replayed = meter.CreateCounter<long>("gateway.usage.replayed", "{event}", "Usage events published to RabbitMQ from the journal.");
        _rejected = meter.CreateCounter<long>("gateway.usage.spill.rejected", "{event}",
            "Usage events the journal could not take (at its size bound or unwritable); they wait in memory.");
        _lost = meter.CreateCounter<long>("gateway.usage.lost", "{event}", "Usage events neither published nor spilled when the process stopped.");
    }

    public void Published(int count) => _published.Add(count);

    public void Spilled(int count) => _spilled.Add(count);

    public void Replayed(int count) => _replayed.Add(count);

    public void SpillRejected(int count) => _rejected.Add(count);

    public void Lost(long count) => _lost.Add(count);
}
