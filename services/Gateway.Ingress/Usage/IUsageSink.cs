using Gateway.Contracts;

namespace Gateway.Ingress.Usage;

/// <summary>Takes a request's usage event. Never blocks and never drops it while the process lives.</summary>
internal interface IUsageSink
{
    void Record(UsageRecorded usage);
}
