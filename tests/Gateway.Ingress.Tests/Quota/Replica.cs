using System.Collections.Concurrent;
using Gateway.Ingress.Dependencies.Grpc;
using Gateway.Ingress.Dependencies.Leases;
using Gateway.Quota.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Tests.Quota;

/// <summary>
/// What one Ingress replica holds for quota: its own gRPC channel to Quota, the leasing gate over it and, for
/// comparison, the per-request Admit gate. The lease calls are the real ones, counted on the way.
/// </summary>
internal sealed class Replica : IDisposable
{
    private readonly GrpcDependencyClients _clients;

    public Replica(Uri quota, TimeProvider time, int leaseMax = 100, int ttlMs = 1000, int rpmPercent = 100)
    {
        var options = Options.Create(new IngressOptions
        {
            QuotaLeaseMax = leaseMax,
            QuotaLeaseTtlMs = ttlMs,
            QuotaLeaseRpmPercent = rpmPercent,
            DependencyTimeoutMs = 5000,
        });
        var address = quota.ToString();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Services:Auth"] = address,
            ["Services:Quota"] = address,
            ["Services:Routing"] = address,
            ["Services:Metering"] = address,
        }).Build();
        _clients = new GrpcDependencyClients(configuration, options);
        Leases = new CountingLeases(new GrpcQuotaLeases(_clients));
        Gate = new LeasingQuotaGate(Leases, options, time, NullLogger<LeasingQuotaGate>.Instance);
        PerRequest = new GrpcQuotaGate(_clients);
    }

    public CountingLeases Leases { get; }

    public LeasingQuotaGate Gate { get; }

    /// <summary>The pre-lease gate: one Admit call per request.</summary>
    public GrpcQuotaGate PerRequest { get; }

    public ValueTask<AdmitResponse> AdmitAsync(string keyId, int rpm) =>
        Gate.AdmitAsync(new AdmitRequest { KeyId = keyId, RpmLimit = rpm, RequestId = Guid.NewGuid().ToString("N") }, CancellationToken.None);

    public void Dispose() => _clients.Dispose();
}

/// <summary>The real lease calls, recorded.</summary>
internal sealed class CountingLeases(IQuotaLeases inner) : IQuotaLeases
{
    public ConcurrentQueue<LeaseRequest> Leased { get; } = new();

    public ConcurrentQueue<ReleaseRequest> Released { get; } = new();

    public ValueTask<LeaseResponse> LeaseAsync(LeaseRequest request, CancellationToken ct)
    {
        Leased.Enqueue(request);
        return inner.LeaseAsync(request, ct);
    }

    public ValueTask<ReleaseResponse> ReleaseAsync(ReleaseRequest request, CancellationToken ct)
    {
        Released.Enqueue(request);
        return inner.ReleaseAsync(request, ct);
    }
}
