using Gateway.Auth.V1;
using Gateway.Grpc;
using Gateway.Ingress.Dependencies.Leases;
using Gateway.Metering.V1;
using Gateway.Quota.V1;
using Gateway.Routing.V1;

namespace Gateway.Ingress.Dependencies.Grpc;

internal static class Methods
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor AuthService = AuthReflection.Descriptor.Services[0];
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor QuotaService = QuotaReflection.Descriptor.Services[0];
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor RoutingService = RoutingReflection.Descriptor.Services[0];
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor MeteringService = MeteringReflection.Descriptor.Services[0];

    public static readonly Method<VerifyKeyRequest, VerifyKeyResponse> VerifyKey = new(AuthService, "VerifyKey");
    public static readonly Method<CreateKeyRequest, CreateKeyResponse> CreateKey = new(AuthService, "CreateKey");
    public static readonly Method<GetKeyRequest, GetKeyResponse> GetKey = new(AuthService, "GetKey");
    public static readonly Method<RevokeKeyRequest, RevokeKeyResponse> RevokeKey = new(AuthService, "RevokeKey");
    public static readonly Method<AdmitRequest, AdmitResponse> Admit = new(QuotaService, "Admit");
    public static readonly Method<LeaseRequest, LeaseResponse> Lease = new(QuotaService, "Lease");
    public static readonly Method<ReleaseRequest, ReleaseResponse> Release = new(QuotaService, "Release");
    public static readonly Method<ResolveRequest, ResolveResponse> Resolve = new(RoutingService, "Resolve");
    public static readonly Method<ListModelsRequest, ListModelsResponse> ListModels = new(RoutingService, "ListModels");
    public static readonly Method<GetUsageRequest, UsageSummary> GetUsage = new(MeteringService, "GetUsage");
}

internal sealed class GrpcKeyVerifier(GrpcDependencyClients clients) : IKeyVerifier
{
    public ValueTask<VerifyKeyResponse> VerifyAsync(string apiKey, CancellationToken ct) =>
        clients.CallAsync(clients.Auth, DependencyNames.Auth, Methods.VerifyKey, new VerifyKeyRequest { ApiKey = apiKey }, ct);
}

internal sealed class GrpcQuotaGate(GrpcDependencyClients clients) : IQuotaGate
{
    public ValueTask<AdmitResponse> AdmitAsync(AdmitRequest request, CancellationToken ct) =>
        clients.CallAsync(clients.Quota, DependencyNames.Quota, Methods.Admit, request, ct);
}

internal sealed class GrpcQuotaLeases(GrpcDependencyClients clients) : IQuotaLeases
{
    public ValueTask<LeaseResponse> LeaseAsync(LeaseRequest request, CancellationToken ct) =>
        clients.CallAsync(clients.Quota, DependencyNames.Quota, Methods.Lease, request, ct);

    public ValueTask<ReleaseResponse> ReleaseAsync(ReleaseRequest request, CancellationToken ct) =>
        clients.CallAsync(clients.Quota, DependencyNames.Quota, Methods.Release, request, ct);
}

internal sealed class GrpcRouteResolver(GrpcDependencyClients clients) : IRouteResolver
{
    public ValueTask<ResolveResponse> ResolveAsync(string model, CancellationToken ct) =>
        clients.CallAsync(clients.Routing, DependencyNames.Routing, Methods.Resolve, new ResolveRequest { Model = model }, ct);

    public ValueTask<ListModelsResponse> ListModelsAsync(CancellationToken ct) =>
        clients.CallAsync(clients.Routing, DependencyNames.Routing, Methods.ListModels, new ListModelsRequest(), ct);
}

internal sealed class GrpcKeyAdmin(GrpcDependencyClients clients) : IKeyAdmin
{
    public ValueTask<CreateKeyResponse> CreateKeyAsync(CreateKeyRequest request, CancellationToken ct) =>
        clients.CallAsync(clients.Auth, DependencyNames.Auth, Methods.CreateKey, request, ct);

    public ValueTask<GetKeyResponse> GetKeyAsync(string keyId, CancellationToken ct) =>
        clients.CallAsync(clients.Auth, DependencyNames.Auth, Methods.GetKey, new GetKeyRequest { KeyId = keyId }, ct);

    public ValueTask<RevokeKeyResponse> RevokeKeyAsync(string keyId, CancellationToken ct) =>
        clients.CallAsync(clients.Auth, DependencyNames.Auth, Methods.RevokeKey, new RevokeKeyRequest { KeyId = keyId }, ct);
}

internal sealed class GrpcUsageReader(GrpcDependencyClients clients) : IUsageReader
{
    public ValueTask<UsageSummary> GetUsageAsync(string keyId, CancellationToken ct) =>
        clients.CallAsync(clients.Metering, DependencyNames.Metering, Methods.GetUsage, new GetUsageRequest { KeyId = keyId }, ct);
}

internal static class GrpcDependencyRegistration
{
    /// <summary>The production adapters: Auth, Quota, Routing and Metering over the in-repo gRPC client, with the
    /// hot-path caches in front of Auth and Routing (<see cref="Extensions.AddHotCaches"/>).</summary>
    public static IServiceCollection AddGrpcDependencies(this IServiceCollection services)
    {
        services.AddSingleton<GrpcDependencyClients>();
        services.AddIngressDependencies<GrpcKeyVerifier, GrpcQuotaGate, GrpcRouteResolver, GrpcKeyAdmin, GrpcUsageReader>()
            .AddHotCaches();
        // Quota admitted from local leases unless Ingress:QuotaLeaseMax is 0 (Extensions.AddQuotaLeases).
        return services.AddQuotaLeases<GrpcQuotaLeases>();
    }
}
