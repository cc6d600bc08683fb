namespace Gateway.AppHost.Hosting;

/// <summary>
/// Declares the resources of a local distributed application, Aspire style:
/// <c>builder.AddRedis("redis")</c>, <c>builder.AddProject("auth", "services/Gateway.Auth").WithGrpcEndpoint().WithReference(redis)</c>.
/// </summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    internal DistributedApplicationBuilder(DistributedApplicationOptions options)
    {
        Options = options;
    }

    public DistributedApplicationOptions Options { get; }

    public IReadOnlyList<Resource> Resources => _resources;

    /// <summary>A redis-server on 127.0.0.1 (<paramref name="port"/> null: a free one).</summary>
    public IResourceBuilder<RedisResource> AddRedis(string name, int? port = null, string? password = null) =>
        AddResource(new RedisResource(name, port, password));

    /// <summary>A private RabbitMQ node on 127.0.0.1 (<paramref name="port"/>: the AMQP port; null: a free one).</summary>
    public IResourceBuilder<RabbitMqResource> AddRabbitMQ(string name, int? port = null) =>
        AddResource(new RabbitMqResource(name, port));

    /// <summary>A .NET project, by directory or .csproj relative to the repository root, run from its build output.</summary>
    public IResourceBuilder<ProjectResource> AddProject(string name, string projectPath) =>
        AddResource(new ProjectResource(name, projectPath));

    /// <summary>Any executable with arguments (relative working directories are relative to the repository root).</summary>
    public IResourceBuilder<ExecutableResource> AddExecutable(string name, string command, string? workingDirectory, params string[] args) =>
        AddResource(new ExecutableResource(name, command, workingDirectory, args));

    public IResourceBuilder<T> AddResource<T>(T resource)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    /// <summary>
    /// Validates the graph (dependencies declared here, no cycles) and allocates every endpoint's port: a fixed port
    /// when it is free, else a free one (and says so). Nothing starts yet.
    /// </summary>
    public DistributedApplication Build()
    {
        foreach (var resource in _resources)
        {
            foreach (var dependency in resource.Dependencies)
            {
                if (!_resources.Contains(dependency))
                {
                    throw new InvalidOperationException($"{resource} depends on {dependency}, which was not added to this builder.");
                }
            }
        }

        var order = DistributedApplication.TopologicalOrder(_resources);
        foreach (var endpoint in _resources.SelectMany(r => r.Endpoints))
        {
            if (endpoint.FixedPort is { } port)
            {
                if (PortAllocator.IsFree(port))
                {
                    endpoint.AllocatedPort = port;
                    continue;
                }

                endpoint.AllocatedPort = PortAllocator.GetFreeTcpPort();
                Options.Output?.Invoke(
                    $"[apphost] port {port} for {endpoint.Resource.Name}/{endpoint.Name} is busy; using {endpoint.AllocatedPort} instead.");
            }
            else
            {
                endpoint.AllocatedPort = PortAllocator.GetFreeTcpPort();
            }
        }

        return new DistributedApplication(Options, order);
    }
}
