namespace Gateway.AppHost.Hosting;

/// <summary>Fluent handle on a resource being declared (the shape of Aspire's IResourceBuilder).</summary>
public interface IResourceBuilder<out T>
    where T : Resource
{
    T Resource { get; }

    DistributedApplicationBuilder ApplicationBuilder { get; }
}

internal sealed class ResourceBuilder<T>(T resource, DistributedApplicationBuilder applicationBuilder) : IResourceBuilder<T>
    where T : Resource
{
    public T Resource { get; } = resource;

    public DistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;
}

/// <summary>The declaration verbs: endpoints, environment, references, waits, health checks.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>An HTTP endpoint. <paramref name="port"/> null: a free port. For executables, <paramref name="env"/> receives the port.</summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, string name = "http", int? port = null, string? env = null)
        where T : ProcessResource
    {
        builder.Resource.AddEndpoint(name, "http", isGrpc: false, port, env);
        return builder;
    }

    /// <summary>A gRPC endpoint (h2c, <c>Protocols=Http2</c>); health is checked with grpc.health.v1.</summary>
    public static IResourceBuilder<T> WithGrpcEndpoint<T>(this IResourceBuilder<T> builder, string name = "Grpc", int? port = null, string? env = null)
        where T : ProcessResource
    {
        builder.Resource.AddEndpoint(name, "http", isGrpc: true, port, env);
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : ProcessResource
    {
        ArgumentNullException.ThrowIfNull(value);
        builder.Resource.AddEnvironment(name, () => value);
        return builder;
    }

    /// <summary>A value computed when the environment is resolved (after ports are allocated).</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, Func<string> value)
        where T : ProcessResource
    {
        ArgumentNullException.ThrowIfNull(value);
        builder.Resource.AddEnvironment(name, value);
        return builder;
    }

    /// <summary>The URL of <paramref name="source"/>'s primary endpoint, e.g. <c>SIMULATOR_BASE_URL=http://127.0.0.1:P</c>.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IResourceBuilder<Resource> source)
        where T : ProcessResource
    {
        var target = source.Resource;
        builder.Resource.AddReference(target);
        builder.Resource.AddEnvironment(name, () => target.PrimaryEndpoint.Url);
        return builder;
    }

    /// <summary>The URL of a given endpoint.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, EndpointAnnotation endpoint)
        where T : ProcessResource
    {
        builder.Resource.AddReference(endpoint.Resource);
        builder.Resource.AddEnvironment(name, () => endpoint.Url);
        return builder;
    }

    /// <summary>
    /// <c>ConnectionStrings__&lt;name&gt;=...</c> where name defaults to the source's connection name
    /// (<c>Redis</c>, <c>RabbitMq</c>), as docs/configuration.md specifies.
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<ConnectionStringResource> source, string? connectionName = null)
        where T : ProcessResource
    {
        var target = source.Resource;
        builder.Resource.AddReference(target);
        builder.Resource.AddEnvironment($"ConnectionStrings__{connectionName ?? target.ConnectionName}", target.GetConnectionString);
        return builder;
    }

    /// <summary>
    /// <c>Services__&lt;Name&gt;=http://127.0.0.1:P</c>: the service's primary (gRPC) endpoint; the name defaults to the
    /// resource name in PascalCase (<c>auth</c> → <c>Services__Auth</c>).
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<ProcessResource> service, string? serviceName = null)
        where T : ProcessResource
    {
        var target = service.Resource;
        builder.Resource.AddReference(target);
        builder.Resource.AddEnvironment($"Services__{serviceName ?? ToPascalCase(target.Name)}", () => target.PrimaryEndpoint.Url);
        return builder;
    }

    /// <summary>Do not start this resource before <paramref name="dependency"/> is healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency)
        where T : Resource
    {
        builder.Resource.AddWaitFor(dependency.Resource);
        return builder;
    }

    /// <summary>Healthy when GET <paramref name="path"/> on the endpoint answers 200.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health/ready", string? endpointName = null)
        where T : ProcessResource
    {
        builder.Resource.HealthCheck = HealthCheckKind.Http;
        builder.Resource.HealthCheckPath = path;
        builder.Resource.HealthCheckEndpoint = endpointName;
        return builder;
    }

    /// <summary>Healthy as soon as the process runs.</summary>
    public static IResourceBuilder<T> WithoutHealthCheck<T>(this IResourceBuilder<T> builder)
        where T : ProcessResource
    {
        builder.Resource.HealthCheck = HealthCheckKind.None;
        return builder;
    }

    internal static string ToPascalCase(string name) =>
        string.Concat(name.Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries)
            .Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
}
