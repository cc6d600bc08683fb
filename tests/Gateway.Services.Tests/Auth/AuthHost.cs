using Gateway.Auth.V1;
using Gateway.Grpc;
using Gateway.Services.Tests.Hosting;

namespace Gateway.Services.Tests.Auth;

/// <summary>The Auth service in-process, over the real gRPC layer, on a given Redis.</summary>
internal static class AuthHost
{
    public const string Pepper = "test-pepper-0123456789-0123456789-abcdef";

    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = AuthReflection.Descriptor.Services[0];
    public static readonly Method<VerifyKeyRequest, VerifyKeyResponse> VerifyKey = new(Service, "VerifyKey");
    public static readonly Method<CreateKeyRequest, CreateKeyResponse> CreateKey = new(Service, "CreateKey");
    public static readonly Method<RevokeKeyRequest, RevokeKeyResponse> RevokeKey = new(Service, "RevokeKey");
    public static readonly Method<GetKeyRequest, GetKeyResponse> GetKey = new(Service, "GetKey");
    public static readonly Method<WatchRevocationsRequest, RevocationEvent> WatchRevocations = new(Service, "WatchRevocations");

    public static Task<ServiceHost> StartAsync(string redis, string pepper = Pepper) =>
        ServiceHost.StartAsync(
            "Gateway.Auth",
            new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis, ["Auth:KeyPepper"] = pepper },
            builder => Gateway.Auth.Extensions.AddApplicationServices(builder),
            app => Gateway.Auth.Extensions.MapApplicationEndpoints(app));

    public static Task<CreateKeyResponse> CreateAsync(this ServiceHost host, string tenant, int rpm = 0, params string[] models)
    {
        var request = new CreateKeyRequest { TenantId = tenant, Name = "test key", RpmLimit = rpm };
        request.AllowedModels.AddRange(models);
        return host.Channel.UnaryAsync(CreateKey, request);
    }

    public static Task<VerifyKeyResponse> VerifyAsync(this ServiceHost host, string apiKey) =>
        host.Channel.UnaryAsync(VerifyKey, new VerifyKeyRequest { ApiKey = apiKey });
}
