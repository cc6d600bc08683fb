using Gateway.Grpc;
using Gateway.Quota.V1;
using Gateway.Services.Tests.Hosting;

namespace Gateway.Services.Tests.Quota;

internal static class QuotaHost
{
    public static readonly Method<AdmitRequest, AdmitResponse> Admit = new(QuotaReflection.Descriptor.Services[0], "Admit");
    public static readonly Method<LeaseRequest, LeaseResponse> Lease = new(QuotaReflection.Descriptor.Services[0], "Lease");
    public static readonly Method<ReleaseRequest, ReleaseResponse> Release = new(QuotaReflection.Descriptor.Services[0], "Release");

    public static Task<ServiceHost> StartAsync(string redis, int? defaultRpm = null)
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis };
        if (defaultRpm is { } rpm)
        {
            settings["Quota:DefaultRpm"] = rpm.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return ServiceHost.StartAsync(
            "Gateway.Quota",
            settings,
            builder => Gateway.Quota.Extensions.AddApplicationServices(builder),
            app => Gateway.Quota.Extensions.MapApplicationEndpoints(app));
    }

    public static Task<AdmitResponse> AdmitAsync(this ServiceHost host, string keyId, int rpm) =>
        host.Channel.UnaryAsync(Admit, new AdmitRequest { KeyId = keyId, RpmLimit = rpm, RequestId = Guid.NewGuid().ToString("N") });

    public static Task<LeaseResponse> LeaseAsync(this ServiceHost host, string keyId, int rpm, int requested, int ttlMs = 1000) =>
        host.Channel.UnaryAsync(Lease, new LeaseRequest { KeyId = keyId, RpmLimit = rpm, Requested = requested, TtlMs = ttlMs });

    public static Task<ReleaseResponse> ReleaseAsync(this ServiceHost host, string keyId, string leaseId, int granted, int unused) =>
        host.Channel.UnaryAsync(Release, new ReleaseRequest { KeyId = keyId, LeaseId = leaseId, Granted = granted, Unused = unused });
}
