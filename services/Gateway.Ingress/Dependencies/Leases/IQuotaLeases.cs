using Gateway.Quota.V1;

namespace Gateway.Ingress.Dependencies.Leases;

/// <summary>
/// The Quota service's lease calls (<c>Lease</c>, <c>Release</c>), used by <see cref="LeasingQuotaGate"/>. A down or
/// timed-out Quota throws <see cref="DependencyUnavailableException"/>.
/// </summary>
internal interface IQuotaLeases
{
    ValueTask<LeaseResponse> LeaseAsync(LeaseRequest request, CancellationToken ct);

    ValueTask<ReleaseResponse> ReleaseAsync(ReleaseRequest request, CancellationToken ct);
}
