using Gateway.Grpc;
using Gateway.Auth.Grpc;
using Gateway.Auth.Keys;
using Gateway.Auth.Revocations;
using Gateway.Redis;

namespace Gateway.Auth;

public static class Extensions
{
    /// <summary>Everything Auth needs beyond the service defaults: Redis, the pepper (validated at start), keys, gRPC.</summary>
    public static WebApplicationBuilder AddApplicationServices(this WebApplicationBuilder builder)
    {
        builder.AddGrpcServiceDefaults(AuthGrpcService.Descriptor);
        builder.Services.AddRedis("Redis");
        builder.Services.AddValidatedOptions<AuthOptions>(builder.Configuration.GetSection(AuthOptions.SectionName));
        builder.Services.AddSingleton<ApiKeyHasher>();
        builder.Services.AddSingleton<AuthMetrics>();
        builder.Services.AddSingleton<KeyStore>();
        builder.Services.AddSingleton<ApiKeyService>();
        builder.Services.AddSingleton<RevocationFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RevocationFeed>());
        builder.Services.AddScoped<AuthGrpcService>();
        return builder;
    }

    /// <summary>Maps <c>gateway.auth.v1.AuthService</c>.</summary>
    public static WebApplication MapApplicationEndpoints(this WebApplication app)
    {
        app.MapGrpcService<AuthGrpcService>(AuthGrpcService.Descriptor);
        return app;
    }
}
