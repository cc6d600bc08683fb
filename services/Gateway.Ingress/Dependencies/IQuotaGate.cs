using Gateway.Quota.V1;

namespace Gateway.Ingress.Dependencies;

/// <summary>Admits a request against the key's limits (the Quota service).</summary>
public interface IQuotaGate
{
    ValueTask<AdmitResponse> AdmitAsync(AdmitRequest request, CancellationToken ct);
}
