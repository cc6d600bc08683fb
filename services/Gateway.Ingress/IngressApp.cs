namespace Gateway.Ingress;

/// <summary>
/// Builds the Ingress. Program.cs uses it as is; tests use it to host the real app on Kestrel with their own
/// dependency adapters (<see cref="Extensions.AddIngressDependencies(IServiceCollection, Dependencies.IKeyVerifier, Dependencies.IQuotaGate, Dependencies.IRouteResolver, Dependencies.IKeyAdmin, Dependencies.IUsageReader)"/>)
/// and MassTransit's test harness (<c>AddMassTransitTestHarness</c> replaces the RabbitMQ bus).
/// </summary>
public static class IngressApp
{
    /// <summary>A builder with every Ingress service registered. <paramref name="settings"/> override configuration
    /// (they are read before registration, e.g. the RabbitMQ connection string).</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults();
        builder.AddApplicationServices();
        return builder;
    }

    /// <summary>Builds the app and maps its endpoints. Fails when a dependency adapter is not registered.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        Extensions.EnsureDependenciesRegistered(builder.Services);
        var app = builder.Build();
        app.MapIngress();
        return app;
    }
}
