using Gateway.Grpc;
using Gateway.ServiceDefaults.Health;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class GrpcServiceDefaultsExtensions
{
    public const string GrpcEndpointUrlKey = "Kestrel:Endpoints:Grpc:Url";

    /// <summary>
    /// For a service that serves gRPC: the in-repo gRPC server, and <c>grpc.health.v1</c> reporting readiness
    /// (the checks tagged "ready") for the whole server and for each of <paramref name="services"/>.
    /// <see cref="ServiceDefaultsExtensions.MapDefaultEndpoints"/> then maps the health service too.
    /// The gRPC endpoint itself comes from configuration: <c>Kestrel__Endpoints__Grpc__Url</c> with
    /// <c>Kestrel__Endpoints__Grpc__Protocols=Http2</c>.
    /// </summary>
    public static WebApplicationBuilder AddGrpcServiceDefaults(this WebApplicationBuilder builder, params ServiceDescriptor[] services)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(services);
        if (string.IsNullOrWhiteSpace(builder.Configuration[GrpcEndpointUrlKey]))
        {
            throw new InvalidOperationException(
                $"{GrpcEndpointUrlKey.Replace(":", "__", StringComparison.Ordinal)} is not set: a gRPC service needs its listener, e.g. http://127.0.0.1:7101 (appsettings.Development.json has one per service).");
        }

        // h2c: cleartext HTTP/2 with prior knowledge, which Kestrel serves only on an HTTP/2-only endpoint.
        // Applies unless the endpoint's configuration names its own protocols.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcServer();
        builder.Services.AddSingleton(new GrpcHealthServices([.. services.Select(static s => s.FullName)]));
        builder.Services.AddHostedService<GrpcReadinessPublisher>();
        return builder;
    }

    internal static void MapGrpcHealthIfConfigured(this WebApplication app)
    {
        if (app.Services.GetService<GrpcHealthServices>() is not null)
        {
            app.MapGrpcHealthService();
        }
    }
}
