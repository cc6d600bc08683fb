using Gateway.Grpc;
using Gateway.Quota.Grpc;
using Gateway.Quota.Limits;
using Gateway.Redis;

namespace Gateway.Quota;

public static class Extensions
{
    /// <summary>Everything Quota needs beyond the service defaults: Redis, its options, the limiter, gRPC.</summary>
    public static WebApplicationBuilder AddApplicationServices(this WebApplicationBuilder builder)
    {
        builder.AddGrpcServiceDefaults(QuotaGrpcService.Descriptor);
        builder.Services.AddRedis("Redis");
        builder.Services.AddValidatedOptions<QuotaOptions>(builder.Configuration.GetSection(QuotaOptions.SectionName));
        builder.Services.AddSingleton<QuotaMetrics>();
        builder.Services.AddSingleton<RpmLimiter>();
        builder.Services.AddScoped<QuotaGrpcService>();
        return builder;
    }

    /// <summary>Maps <c>gateway.quota.v1.QuotaService</c>.</summary>
    public static WebApplication MapApplicationEndpoints(this WebApplication app)
    {
        app.MapGrpcService<QuotaGrpcService>(QuotaGrpcService.Descriptor);
        return app;
    }
}
