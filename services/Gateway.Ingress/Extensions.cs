using Gateway.Ingress.Admin;
using Gateway.Ingress.Chat;
using Gateway.Ingress.Dependencies;
using Gateway.Ingress.Dependencies.Leases;
using Gateway.Ingress.Errors;
using Gateway.Ingress.Hosting;
using Gateway.Ingress.HotCaches;
using Gateway.Ingress.Models;
using Gateway.Ingress.Surfaces;
using Gateway.Ingress.Telemetry;
using Gateway.Ingress.Upstream;
using Gateway.Ingress.Usage;
using Gateway.ServiceDefaults.Health;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress;

/// <summary>Every registration of the Ingress, and its endpoint map.</summary>
public static class Extensions
{
    public static WebApplicationBuilder AddApplicationServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<IngressOptions>().Bind(builder.Configuration.GetSection(IngressOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IngressOptions>, IngressOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        // On SIGTERM, in-flight streams may run to their idle timeout before the host stops them (rolling updates
        // must not cut streams; k8s gives the pod a longer grace period, see k8s/README.md).
        services.AddOptions<HostOptions>().Configure<IOptions<IngressOptions>>((host, ingress) =>
            host.ShutdownTimeout = ingress.Value.StreamIdleTimeout + TimeSpan.FromSeconds(15));

        // Listeners: the public API and the admin API on separate Kestrel endpoints, told apart by local port.
        var listeners = new IngressListeners();
        services.AddSingleton(listeners);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: false)
                .Endpoint(IngressListeners.PublicEndpoint, endpoint => listeners.SetPublic(endpoint.ListenOptions))
                .Endpoint(IngressListeners.AdminEndpoint, endpoint => listeners.SetAdmin(endpoint.ListenOptions));
        });

        services.AddSingleton<IngressTelemetry>();
        services.AddSingleton<UpstreamHttp>();
        services.AddSingleton<UpstreamForwarder>();
        services.AddSingleton<SurfaceEndpoint>();
        services.AddSingleton<ModelsEndpoint>();
        services.AddSingleton<AdminTokenFilter>();

        services.AddSingleton<UsageQueue>();
        services.AddSingleton<IUsageSink>(sp => sp.GetRequiredService<UsageQueue>());
        services.AddSingleton(sp => new UsageJournal(
            sp.GetRequiredService<IOptions<IngressOptions>>().Value.ResolvedUsageSpillDirectory,
            sp.GetRequiredService<IOptions<IngressOptions>>().Value.UsageSpillMaxBytes,
            sp.GetRequiredService<ILogger<UsageJournal>>()));
        services.AddSingleton<UsageMetrics>();
        services.AddIngressBus(builder.Configuration);
        // The bus (a singleton IPublishEndpoint), not the scoped IPublishEndpoint MassTransit registers.
        services.AddHostedService(sp => new UsagePublisher(
            sp.GetRequiredService<UsageQueue>(),
            sp.GetRequiredService<IBus>(),
            sp.GetRequiredService<UsageJournal>(),
            sp.GetRequiredService<UsageMetrics>(),
            sp.GetRequiredService<IOptions<IngressOptions>>(),
            sp.GetRequiredService<ILogger<UsagePublisher>>()));
        return builder;
    }

    /// <summary>MassTransit over RabbitMQ (<c>ConnectionStrings:RabbitMq</c>); the Ingress only publishes.</summary>
    private static void AddIngressBus(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("RabbitMq");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:RabbitMq (env ConnectionStrings__RabbitMq) is required: the RabbitMQ the Ingress publishes " +
                "usage events to, e.g. amqp://user:pass@127.0.0.1:5672/.");
        }

        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("amqp" or "amqps" or "rabbitmq" or "rabbitmqs"))
        {
            // The value may carry a password: it is not repeated here.
            throw new InvalidOperationException(
                "ConnectionStrings:RabbitMq is not an amqp:// (or amqps://) URI such as amqp://user:pass@127.0.0.1:5672/.");
        }

        services.AddMassTransit(x =>
        {
            // Usage events wait in the Ingress while the broker is unreachable, so a broker outage must not take
            // the Ingress out of service: an unhealthy bus reports Degraded, which readiness still answers 200.
            x.ConfigureHealthCheckOptions(o => o.MinimalFailureStatus = HealthStatus.Degraded);
            x.UsingRabbitMq((_, cfg) => cfg.Host(uri));
        });
    }

    /// <summary>Registers the adapters of Auth, Quota, Routing and Metering, replacing any registered before.</summary>
    public static IServiceCollection AddIngressDependencies<TKeyVerifier, TQuotaGate, TRouteResolver, TKeyAdmin, TUsageReader>(
        this IServiceCollection services)
        where TKeyVerifier : class, IKeyVerifier
        where TQuotaGate : class, IQuotaGate
        where TRouteResolver : class, IRouteResolver
        where TKeyAdmin : class, IKeyAdmin
        where TUsageReader : class, IUsageReader
    {
        services.RemoveAll<IKeyVerifier>().AddSingleton<IKeyVerifier, TKeyVerifier>();
        services.RemoveAll<IQuotaGate>().AddSingleton<IQuotaGate, TQuotaGate>();
        services.RemoveAll<IRouteResolver>().AddSingleton<IRouteResolver, TRouteResolver>();
        services.RemoveAll<IKeyAdmin>().AddSingleton<IKeyAdmin, TKeyAdmin>();
        services.RemoveAll<IUsageReader>().AddSingleton<IUsageReader, TUsageReader>();
        return services;
    }

    /// <summary>
    /// Replaces the registered <see cref="IQuotaGate"/> with <see cref="LeasingQuotaGate"/> over
    /// <typeparamref name="TLeases"/> (Quota's Lease/Release calls), plus the <see cref="QuotaLeaseKeeper"/> that gives
    /// back expired and, on shutdown, all unused slots. With <c>Ingress:QuotaLeaseMax</c> = 0 the gate registered before
    /// stays in place (one Quota call per request).
    /// </summary>
    internal static IServiceCollection AddQuotaLeases<TLeases>(this IServiceCollection services)
        where TLeases : class, IQuotaLeases
    {
        var previous = services.LastOrDefault(d => d.ServiceType == typeof(IQuotaGate))
            ?? throw new InvalidOperationException("Register the Quota adapter (AddIngressDependencies) before AddQuotaLeases.");
        services.TryAddSingleton<IQuotaLeases, TLeases>();
        services.TryAddSingleton<LeasingQuotaGate>();
        services.RemoveAll<IQuotaGate>();
        services.AddSingleton<IQuotaGate>(sp => sp.GetRequiredService<IOptions<IngressOptions>>().Value.QuotaLeaseMax > 0
            ? sp.GetRequiredService<LeasingQuotaGate>()
            : Resolve(sp, previous));
        services.AddHostedService<QuotaLeaseKeeper>();
        return services;

        static IQuotaGate Resolve(IServiceProvider sp, ServiceDescriptor descriptor) =>
            (IQuotaGate)(descriptor.ImplementationInstance
                ?? descriptor.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.GetServiceOrCreateInstance(sp, descriptor.ImplementationType!));
    }

    /// <summary>
    /// The hot-path caches in front of the Auth and Routing adapters registered so far (architecture.md, "Request
    /// path"): verified keys cached with push invalidation (<see cref="CachingKeyVerifier"/>, fed by
    /// <see cref="RevocationWatcher"/>; admin revocations through this Ingress evict at once, <see cref="RevokingKeyAdmin"/>)
    /// and the catalog held locally (<see cref="CatalogRouteResolver"/>, fed by <see cref="CatalogWatcher"/>). Both fall
    /// back to the adapters they wrap when their stream is down; readiness then reports Degraded, never unready.
    /// Needs the gRPC clients (<see cref="Dependencies.Grpc.GrpcDependencyClients"/>) for the streams.
    /// </summary>
    public static IServiceCollection AddHotCaches(this IServiceCollection services)
    {
        services.AddSingleton<VerifiedKeyCache>();
        services.AddSingleton<LocalCatalog>();
        services.Decorate<IKeyVerifier>((sp, inner) => new CachingKeyVerifier(inner, sp.GetRequiredService<VerifiedKeyCache>()));
        services.Decorate<IKeyAdmin>((sp, inner) => new RevokingKeyAdmin(inner, sp.GetRequiredService<VerifiedKeyCache>()));
        services.Decorate<IRouteResolver>((sp, inner) => new CatalogRouteResolver(
            inner, sp.GetRequiredService<LocalCatalog>(), sp.GetRequiredService<ILogger<CatalogRouteResolver>>()));
        services.AddHostedService<RevocationWatcher>();
        services.AddHostedService<CatalogWatcher>();
        services.AddHealthChecks()
            .AddCheck<KeyCacheHealthCheck>("key-cache", tags: [HealthTags.Ready])
            .AddCheck<CatalogHealthCheck>("catalog-stream", tags: [HealthTags.Ready]);
        return services;
    }

    /// <summary>Replaces the last registration of <typeparamref name="TService"/> with <paramref name="decorate"/> applied
    /// to it (a singleton).</summary>
    private static void Decorate<TService>(this IServiceCollection services, Func<IServiceProvider, TService, TService> decorate)
        where TService : class
    {
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(TService))
            ?? throw new InvalidOperationException($"Register an adapter for {typeof(TService).Name} before AddHotCaches().");
        services.Remove(inner);
        services.AddSingleton(sp => decorate(sp, (TService)(inner.ImplementationInstance
            ?? inner.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!))));
    }

    /// <summary>Registers given instances as the dependency adapters, replacing any registered before.</summary>
    public static IServiceCollection AddIngressDependencies(this IServiceCollection services,
        IKeyVerifier keyVerifier, IQuotaGate quotaGate, IRouteResolver routeResolver, IKeyAdmin keyAdmin, IUsageReader usageReader)
    {
        services.RemoveAll<IKeyVerifier>().AddSingleton(keyVerifier);
        services.RemoveAll<IQuotaGate>().AddSingleton(quotaGate);
        services.RemoveAll<IRouteResolver>().AddSingleton(routeResolver);
        services.RemoveAll<IKeyAdmin>().AddSingleton(keyAdmin);
        services.RemoveAll<IUsageReader>().AddSingleton(usageReader);
        return services;
    }

    /// <summary>Fails with a clear message when an adapter is missing, instead of at the first request.</summary>
    internal static void EnsureDependenciesRegistered(IServiceCollection services)
    {
        Type[] required = [typeof(IKeyVerifier), typeof(IQuotaGate), typeof(IRouteResolver), typeof(IKeyAdmin), typeof(IUsageReader)];
        var missing = new List<string>();
        foreach (var type in required)
        {
            if (!services.Any(d => d.ServiceType == type))
            {
                missing.Add(type.Name);
            }
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The Ingress has no adapter for {string.Join(", ", missing)}. Register the Auth/Quota/Routing/Metering " +
                "clients with services.AddIngressDependencies<...>() before IngressApp.Build.");
        }
    }

    public static WebApplication MapIngress(this WebApplication app)
    {
        app.UseListenerSeparation();
        app.UseErrorEnvelopeOnException();
        app.UseRouting();
        app.UseUnknownUrlEnvelope();

        // Every public surface, one line each; SurfaceRoutes mounts it under /v1, /openai/v1, /anthropic/v1 and the
        // same under Ingress:BasePath.
        var mounts = SurfaceRoutes.Mounts(app.Services.GetRequiredService<IOptions<IngressOptions>>().Value.BasePath);
        var relay = app.Services.GetRequiredService<SurfaceEndpoint>();
        var models = app.Services.GetRequiredService<ModelsEndpoint>();
        app.MapSurface(mounts, HttpMethods.Post, "/chat/completions", relay.HandleChatAsync);
        app.MapSurface(mounts, HttpMethods.Post, "/embeddings", relay.HandleEmbeddingsAsync);
        app.MapSurface(mounts, HttpMethods.Post, "/messages", relay.HandleMessagesAsync);
        app.MapSurface(mounts, HttpMethods.Post, "/messages/count_tokens", relay.HandleCountTokensAsync);
        app.MapSurface(mounts, HttpMethods.Post, "/responses", relay.HandleResponsesAsync);
        app.MapSurface(mounts, HttpMethods.Post, "/images/generations", relay.HandleImagesAsync);
        app.MapSurface(mounts, HttpMethods.Get, "/models", models.ListAsync);
        app.MapSurface(mounts, HttpMethods.Get, "/models/{**id}", models.GetAsync);
        app.MapAdminApi();
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>An unexpected exception becomes a 500 envelope (or an aborted connection once the answer started).</summary>
    private static void UseErrorEnvelopeOnException(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Ingress");
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away.
            }
            catch (Exception ex)
            {
                var requestId = context.Response.Headers[RequestIds.Header].ToString();
                Log.RequestFailed(logger, requestId, ex);
                if (!await ErrorResponses.TryWriteAsync(context.Response, ApiErrors.Internal(), context.RequestAborted).ConfigureAwait(false))
                {
                    context.Abort();
                }
            }
        });
    }
}
