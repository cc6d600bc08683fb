using System.Runtime.CompilerServices;
using Gateway.Grpc.Health;
using Gateway.Grpc.Server;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Gateway.Grpc;

/// <summary>Registration and endpoint mapping for gRPC services on ASP.NET Core (Kestrel HTTP/2).</summary>
public static class GrpcServerExtensions
{
    /// <summary>Registers the gRPC server: options (validated at start) and the health registry.</summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options
            .Validate(o => o.MaxReceiveMessageSize > 0, "GrpcServerOptions.MaxReceiveMessageSize must be positive.")
            .Validate(o => o.MaxSendMessageSize > 0, "GrpcServerOptions.MaxSendMessageSize must be positive.")
            .Validate(o => o.DeadlineCompletionTimeout > TimeSpan.Zero, "GrpcServerOptions.DeadlineCompletionTimeout must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton<GrpcServerMarker>();
        services.TryAddSingleton<GrpcHealthRegistry>();
        services.TryAddSingleton<HealthService>();
        return services;
    }

    /// <summary>
    /// Maps every method of <paramref name="descriptor"/> (e.g. <c>AuthReflection.Descriptor.Services[0]</c>) to the
    /// method of <typeparamref name="TService"/> with the same name: unary
    /// <c>Task&lt;TResponse&gt; Name(TRequest request, ServerCallContext context)</c>, server streaming
    /// <c>Task Name(TRequest request, IServerStreamWriter&lt;TResponse&gt; responseStream, ServerCallContext context)</c>.
    /// <typeparamref name="TService"/> is resolved from the request's scope per call (or created and disposed per
    /// call when it is not registered).
    /// </summary>
    /// <exception cref="InvalidOperationException">A method is missing, has the wrong signature or message types,
    /// streams from the client, or <see cref="AddGrpcServer"/> was not called.</exception>
    public static GrpcServiceEndpointConventionBuilder MapGrpcService<TService>(
        this IEndpointRouteBuilder endpoints, ServiceDescriptor descriptor)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(descriptor);
        var services = endpoints.ServiceProvider;
        var marker = services.GetService<GrpcServerMarker>() ?? throw new InvalidOperationException(
            "Call services.AddGrpcServer() before mapping gRPC services.");
        var options = services.GetRequiredService<IOptions<GrpcServerOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Grpc.Server");
        var isRegistered = services.GetService<IServiceProviderIsService>()?.IsService(typeof(TService)) == true;

        var handlers = ServiceBinder.Bind<TService>(descriptor, isRegistered, options, logger);
        marker.AddService(descriptor.FullName);
        MapUnimplementedFallback(endpoints, marker, logger);

        var builders = new List<IEndpointConventionBuilder>(handlers.Count);
        foreach (var handler in handlers)
        {
            builders.Add(endpoints.MapPost(handler.FullName, handler.HandleCallAsync).WithDisplayName("gRPC - " + handler.FullName));
        }

        return new GrpcServiceEndpointConventionBuilder(builders);
    }

    /// <summary>
    /// Maps the standard grpc.health.v1.Health service (Check, Watch) over <see cref="GrpcHealthRegistry"/>. When the
    /// application stops, every status turns NOT_SERVING and open Watch streams end.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var builder = endpoints.MapGrpcService<HealthService>(HealthReflection.Descriptor.Services[0]);
        var registry = endpoints.ServiceProvider.GetRequiredService<GrpcHealthRegistry>();
        endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(registry.Shutdown);
        return builder;
    }

    /// <summary>Answers UNIMPLEMENTED for gRPC requests to any method that is not mapped (once per route builder).</summary>
    private static void MapUnimplementedFallback(IEndpointRouteBuilder endpoints, GrpcServerMarker marker, ILogger logger)
    {
        if (!marker.TryMarkFallback(endpoints))
        {
            return;
        }

        endpoints.MapPost("/{service}/{method}", httpContext =>
            {
                if (!Protocol.GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType))
                {
                    // Not a gRPC request: behave as if nothing were mapped here.
                    httpContext.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                if (!ServerCallHandler.TryAcceptRequest(httpContext, logger, out _))
                {
                    return Task.CompletedTask;
                }

                var service = (string?)httpContext.Request.RouteValues["service"] ?? "";
                var detail = marker.HasService(service) ? "Method is unimplemented." : "Service is unimplemented.";
                ServerCallContext.WriteTrailersOnly(httpContext.Response, new Status(StatusCode.Unimplemented, detail), null);
                return Task.CompletedTask;
            })
            .WithDisplayName("gRPC - unimplemented")
            .Add(builder =>
            {
                if (builder is RouteEndpointBuilder route)
                {
                    route.Order = int.MaxValue;
                }
            });
    }
}

/// <summary>Marks AddGrpcServer as called; remembers mapped services and route builders with a fallback.</summary>
internal sealed class GrpcServerMarker
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<IEndpointRouteBuilder, object> _fallbacks = new();

    public void AddService(string name)
    {
        lock (_lock)
        {
            _services.Add(name);
        }
    }

    public bool HasService(string name)
    {
        lock (_lock)
        {
            return _services.Contains(name);
        }
    }

    public bool TryMarkFallback(IEndpointRouteBuilder endpoints) => _fallbacks.TryAdd(endpoints, new object());
}
