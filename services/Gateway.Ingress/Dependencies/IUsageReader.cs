using Gateway.Metering.V1;

namespace Gateway.Ingress.Dependencies;

/// <summary>Reads a key's usage summary (the Metering service), used by the admin API only.</summary>
public interface IUsageReader
{
    ValueTask<UsageSummary> GetUsageAsync(string keyId, CancellationToken ct);
}
