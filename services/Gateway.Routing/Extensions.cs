using Gateway.Grpc;
using Gateway.Routing.Catalog;
using Gateway.Routing.Grpc;
using Gateway.ServiceDefaults.Health;

namespace Gateway.Routing;

public static class Extensions
{
    /// <summary>Everything Routing needs beyond the service defaults: the catalog, its watcher, gRPC.</summary>
    public static WebApplicationBuilder AddApplicationServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<RoutingOptions>(builder.Configuration.GetSection(RoutingOptions.SectionName));
        builder.Services.AddSingleton<CatalogStore>();
        // Registered first so the catalog is loaded (or the start fails) before readiness is first reported.
        builder.Services.AddHostedService<CatalogWatcher>();
        builder.Services.AddHealthChecks().AddCheck<CatalogHealthCheck>("catalog", tags: [HealthTags.Ready]);
        builder.AddGrpcServiceDefaults(RoutingGrpcService.Descriptor);
        builder.Services.AddScoped<RoutingGrpcService>();
        return builder;
    }

    /// <summary>Maps <c>gateway.routing.v1.RoutingService</c>.</summary>
    public static WebApplication MapApplicationEndpoints(this WebApplication app)
    {
        app.MapGrpcService<RoutingGrpcService>(RoutingGrpcService.Descriptor);
        return app;
    }
}
