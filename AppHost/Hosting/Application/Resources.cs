using System.Globalization;

namespace Gateway.AppHost.Hosting;

/// <summary>A listener of a resource. Its port is allocated by <see cref="DistributedApplicationBuilder.Build"/>.</summary>
public sealed class EndpointAnnotation
{
    internal EndpointAnnotation(Resource resource, string name, string scheme, bool isGrpc, int? fixedPort, string? environmentVariable)
    {
        Resource = resource;
        Name = name;
        Scheme = scheme;
        IsGrpc = isGrpc;
        FixedPort = fixedPort;
        EnvironmentVariable = environmentVariable;
    }

    public Resource Resource { get; }

    /// <summary>Endpoint name; for projects also the Kestrel endpoint name (<c>Kestrel__Endpoints__&lt;Name&gt;__Url</c>).</summary>
    public string Name { get; }

    /// <summary><c>http</c>, <c>tcp</c> or <c>amqp</c>.</summary>
    public string Scheme { get; }

    /// <summary>True for gRPC (HTTP/2 without TLS, <c>Protocols=Http2</c>).</summary>
    public bool IsGrpc { get; }

    /// <summary>The requested port; null means any free port.</summary>
    public int? FixedPort { get; }

    /// <summary>For executables: the variable that receives the port number.</summary>
    public string? EnvironmentVariable { get; }

    /// <summary>The allocated port. Throws before <see cref="DistributedApplicationBuilder.Build"/>.</summary>
    public int Port => AllocatedPort
        ?? throw new InvalidOperationException($"Endpoint '{Resource.Name}/{Name}' has no port before Build().");

    /// <summary><c>http://127.0.0.1:port</c>, or <c>127.0.0.1:port</c> for tcp.</summary>
    public string Url => Scheme == "tcp"
        ? string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{Scheme}://127.0.0.1:{Port}");

    internal int? AllocatedPort { get; set; }
}

/// <summary>Something the application starts, waits for and stops.</summary>
public abstract class Resource
{
    private readonly List<EndpointAnnotation> _endpoints = [];
    private readonly List<Resource> _waitsFor = [];
    private readonly List<Resource> _references = [];
    private readonly List<(string Name, Func<string> Value)> _environment = [];

    protected Resource(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    /// <summary>Short kind name for messages: redis, rabbitmq, project, executable.</summary>
    public abstract string Kind { get; }

    public IReadOnlyList<EndpointAnnotation> Endpoints => _endpoints;

    /// <summary>Resources that must be healthy before this one starts.</summary>
    public IReadOnlyList<Resource> WaitsFor => _waitsFor;

    /// <summary>Resources whose addresses this one receives (through environment variables).</summary>
    public IReadOnlyList<Resource> References => _references;

    /// <summary>The endpoint other resources get by default: the gRPC one if any, else the first.</summary>
    public EndpointAnnotation PrimaryEndpoint =>
        _endpoints.FirstOrDefault(e => e.IsGrpc) ?? _endpoints.FirstOrDefault()
        ?? throw new InvalidOperationException($"Resource '{Name}' has no endpoint.");

    public EndpointAnnotation GetEndpoint(string name) =>
        _endpoints.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOperationException($"Resource '{Name}' has no endpoint '{name}'.");

    /// <summary>Every resource this one depends on (waits for or references).</summary>
    public IEnumerable<Resource> Dependencies => _waitsFor.Concat(_references).Distinct();

    internal IReadOnlyList<(string Name, Func<string> Value)> EnvironmentEntries => _environment;

    internal EndpointAnnotation AddEndpoint(string name, string scheme, bool isGrpc, int? fixedPort, string? environmentVariable)
    {
        if (_endpoints.Any(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"Resource '{Name}' already has an endpoint '{name}'.");
        }

        var endpoint = new EndpointAnnotation(this, name, scheme, isGrpc, fixedPort, environmentVariable);
        _endpoints.Add(endpoint);
        return endpoint;
    }

    internal void AddWaitFor(Resource resource)
    {
        if (resource == this)
        {
            throw new InvalidOperationException($"Resource '{Name}' cannot wait for itself.");
        }

        if (!_waitsFor.Contains(resource))
        {
            _waitsFor.Add(resource);
        }
    }

    internal void AddReference(Resource resource)
    {
        if (resource != this && !_references.Contains(resource))
        {
            _references.Add(resource);
        }
    }

    internal void AddEnvironment(string name, Func<string> value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _environment.Add((name, value));
    }

    public override string ToString() => $"{Kind} '{Name}'";
}

/// <summary>A resource that others reach through a connection string (<c>ConnectionStrings__&lt;ConnectionName&gt;</c>).</summary>
public abstract class ConnectionStringResource(string name) : Resource(name)
{
    /// <summary>The name under ConnectionStrings (docs/configuration.md): <c>Redis</c>, <c>RabbitMq</c>.</summary>
    public abstract string ConnectionName { get; }

    public abstract string GetConnectionString();
}

/// <summary>redis-server (see <see cref="RedisServerProcess"/>). Referenced as <c>ConnectionStrings__Redis</c>.</summary>
public sealed class RedisResource : ConnectionStringResource
{
    public RedisResource(string name, int? port, string? password)
        : base(name)
    {
        Password = password;
        AddEndpoint("tcp", "tcp", isGrpc: false, port, environmentVariable: null);
    }

    public override string Kind => "redis";

    public string? Password { get; }

    public override string ConnectionName => "Redis";

    public override string GetConnectionString() =>
        Password is null ? PrimaryEndpoint.Url : $"{PrimaryEndpoint.Url},password={Password}";
}

/// <summary>A private RabbitMQ node (see <see cref="RabbitMqNode"/>). Referenced as <c>ConnectionStrings__RabbitMq</c>.</summary>
public sealed class RabbitMqResource : ConnectionStringResource
{
    public RabbitMqResource(string name, int? port)
        : base(name)
    {
        AddEndpoint("amqp", "amqp", isGrpc: false, port, environmentVariable: null);
    }

    public override string Kind => "rabbitmq";

    public override string ConnectionName => "RabbitMq";

    public override string GetConnectionString() =>
        string.Create(CultureInfo.InvariantCulture, $"amqp://guest:guest@127.0.0.1:{PrimaryEndpoint.Port}/");
}

/// <summary>How a process resource is judged healthy.</summary>
public enum HealthCheckKind
{
    /// <summary>gRPC endpoint: grpc.health.v1 Check; else HTTP GET on the first endpoint for projects; else none.</summary>
    Default,

    /// <summary>HTTP GET <see cref="ProcessResource.HealthCheckPath"/> answers 200.</summary>
    Http,

    /// <summary>grpc.health.v1.Health/Check answers SERVING.</summary>
    Grpc,

    /// <summary>Healthy as soon as started.</summary>
    None,
}

/// <summary>A resource that runs as one child process with environment variables.</summary>
public abstract class ProcessResource(string name) : Resource(name)
{
    public HealthCheckKind HealthCheck { get; internal set; }

    /// <summary>Path for HTTP health checks.</summary>
    public string HealthCheckPath { get; internal set; } = "/health/ready";

    /// <summary>Endpoint for health checks; null: the gRPC endpoint or the first HTTP one.</summary>
    public string? HealthCheckEndpoint { get; internal set; }

    internal HealthCheckKind EffectiveHealthCheck => HealthCheck switch
    {
        HealthCheckKind.Default when Endpoints.Any(e => e.IsGrpc) && HealthCheckEndpoint is null => HealthCheckKind.Grpc,
        HealthCheckKind.Default when this is ProjectResource && Endpoints.Count > 0 => HealthCheckKind.Http,
        HealthCheckKind.Default => HealthCheckKind.None,
        _ => HealthCheck,
    };

    internal EndpointAnnotation? HealthEndpoint(HealthCheckKind kind) => HealthCheckEndpoint is { } name
        ? GetEndpoint(name)
        : kind == HealthCheckKind.Grpc
            ? Endpoints.FirstOrDefault(e => e.IsGrpc)
            : Endpoints.FirstOrDefault(e => !e.IsGrpc && e.Scheme == "http") ?? Endpoints.FirstOrDefault();
}

/// <summary>
/// A .NET project run from its build output: <c>dotnet &lt;dir&gt;/bin/&lt;cfg&gt;/&lt;tfm&gt;/&lt;Name&gt;.dll</c>. Its
/// endpoints become <c>Kestrel__Endpoints__&lt;Name&gt;__Url</c> (plus <c>__Protocols=Http2</c> for gRPC).
/// </summary>
public sealed class ProjectResource(string name, string projectPath) : ProcessResource(name)
{
    public override string Kind => "project";

    /// <summary>The project directory or .csproj, relative to the repository root (or absolute).</summary>
    public string ProjectPath { get; } = projectPath;
}

/// <summary>Any executable (tests use small scripts). Endpoint ports reach it through the variables named on its endpoints.</summary>
public sealed class ExecutableResource(string name, string command, string? workingDirectory, IReadOnlyList<string> args)
    : ProcessResource(name)
{
    public override string Kind => "executable";

    public string Command { get; } = command;

    public string? WorkingDirectory { get; } = workingDirectory;

    public IReadOnlyList<string> Args { get; } = args;
}
