using System.Text.RegularExpressions;

namespace Gateway.AppHost.Hosting;

/// <summary>What a runner needs from the application while it starts a resource.</summary>
internal sealed record RunnerContext(
    DistributedApplicationOptions Options,
    string RepositoryRoot,
    string RunDirectory,
    string LogDirectory,
    string DotnetPath,
    Func<ProcessResource, IReadOnlyDictionary<string, string?>> Environment,
    Func<ProjectResource, ProjectLayout> Layout);

/// <summary>Starts (until healthy) and stops one resource. StopAsync is safe after a failed or partial start.</summary>
internal abstract class ResourceRunner(Resource resource, RunnerContext context)
{
    public Resource Resource { get; } = resource;

    protected RunnerContext Context { get; } = context;

    /// <summary>Set while the resource is stopped on purpose, so its exit is not reported as unexpected.</summary>
    public bool StopRequested { get; set; }

    public abstract ManagedProcess? MainProcess { get; }

    /// <summary>Every live process of the resource (e.g. a node's VM and its epmd).</summary>
    public abstract IReadOnlyList<ManagedProcess> Processes { get; }

    public abstract Task StartAsync(CancellationToken cancellationToken);

    public abstract Task StopAsync(CancellationToken cancellationToken);

    protected Action<string>? Output => Context.Options.Output;

    protected string LogFile => Path.Combine(Context.LogDirectory, $"{Resource.Name}.log");

    protected string DataDirectory => Path.Combine(Context.RunDirectory, Resource.Name);

    public static ResourceRunner Create(Resource resource, RunnerContext context) => resource switch
    {
        RedisResource redis => new RedisRunner(redis, context),
        RabbitMqResource rabbit => new RabbitMqRunner(rabbit, context),
        ProcessResource process => new ProcessRunner(process, context),
        _ => throw new NotSupportedException($"No runner for {resource}."),
    };
}

internal sealed class RedisRunner(RedisResource resource, RunnerContext context) : ResourceRunner(resource, context)
{
    private RedisServerProcess? _server;

    public override ManagedProcess? MainProcess => _server?.Process;

    public override IReadOnlyList<ManagedProcess> Processes => _server?.Process is { } p ? [p] : [];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _server = await RedisServerProcess.StartAsync(
            new RedisServerOptions
            {
                Port = resource.PrimaryEndpoint.Port,
                DataDirectory = DataDirectory,
                Password = resource.Password,
                Name = resource.Name,
                Output = Output,
                LogFilePath = LogFile,
                StartTimeout = Context.Options.StartupTimeout,
                Binaries = Context.Options.Binaries,
            },
            cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}

internal sealed partial class RabbitMqRunner(RabbitMqResource resource, RunnerContext context) : ResourceRunner(resource, context)
{
    private RabbitMqNode? _node;

    public override ManagedProcess? MainProcess => _node?.Process;

    public override IReadOnlyList<ManagedProcess> Processes => _node?.Process is { } p ? [p] : [];

    /// <summary>The node's epmd, reported with the node's PIDs.</summary>
    public int? EpmdPid => _node is { IsRunning: true } node ? node.EpmdPid : null;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _node = await RabbitMqNode.StartAsync(
            new RabbitMqNodeOptions
            {
                NodeName = Sanitize().Replace(resource.Name, "-"),
                AmqpPort = resource.PrimaryEndpoint.Port,
                BaseDirectory = DataDirectory,
                LogBaseDirectory = Path.Combine(Context.LogDirectory, resource.Name),
                Name = resource.Name,
                Output = Output,
                LogFilePath = LogFile,
                StartTimeout = Context.Options.StartupTimeout,
                Binaries = Context.Options.Binaries,
            },
            cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _node, null) is { } node)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    [GeneratedRegex("[^A-Za-z0-9_-]")]
    private static partial Regex Sanitize();
}

internal sealed class ProcessRunner(ProcessResource resource, RunnerContext context) : ResourceRunner(resource, context)
{
    private ManagedProcess? _process;

    public override ManagedProcess? MainProcess => _process;

    public override IReadOnlyList<ManagedProcess> Processes => _process is { } p ? [p] : [];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var (fileName, arguments, workingDirectory) = resource switch
        {
            ProjectResource project => StartupOf(Context.Layout(project)),
            ExecutableResource executable => (
                executable.Command,
                executable.Args,
                executable.WorkingDirectory is null
                    ? Context.RepositoryRoot
                    : Path.GetFullPath(executable.WorkingDirectory, Context.RepositoryRoot)),
            _ => throw new NotSupportedException(resource.ToString()),
        };

        var process = ManagedProcess.Start(new ManagedProcessStartInfo
        {
            FileName = fileName,
            Arguments = arguments,
            WorkingDirectory = workingDirectory,
            Environment = Context.Environment(resource),
            Name = resource.Name,
            Output = Output,
            LogFilePath = LogFile,
        });
        _process = process;
        await WaitHealthyAsync(process, cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _process, null) is { } process)
        {
            try
            {
                await process.StopAsync(Context.Options.StopGrace, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private (string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory) StartupOf(ProjectLayout layout) =>
        (Context.DotnetPath, [layout.OutputAssembly], layout.ProjectDirectory);

    private async Task WaitHealthyAsync(ManagedProcess process, CancellationToken cancellationToken)
    {
        var kind = resource.EffectiveHealthCheck;
        if (kind == HealthCheckKind.None)
        {
            return;
        }

        var endpoint = resource.HealthEndpoint(kind)
            ?? throw new InvalidOperationException($"{resource} has a {kind} health check but no endpoint to check.");
        var target = new Uri(endpoint.Url);
        var deadline = DateTime.UtcNow + Context.Options.StartupTimeout;
        var probeTimeout = TimeSpan.FromSeconds(2);
        while (true)
        {
            if (process.HasExited)
            {
                var code = await process.Completion.ConfigureAwait(false);
                throw new ManagedProcessExitedException(process.Name, code, process.GetLastLines());
            }

            var healthy = kind == HealthCheckKind.Grpc
                ? (await GrpcHealthProbe.CheckAsync(target, "", probeTimeout, cancellationToken).ConfigureAwait(false)).IsServing
                : await HttpHealthProbe.IsHealthyAsync(new Uri(target, resource.HealthCheckPath), probeTimeout, cancellationToken).ConfigureAwait(false);
            if (healthy)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                var what = kind == HealthCheckKind.Grpc
                    ? $"grpc.health.v1 Check on {target} did not answer SERVING"
                    : $"GET {new Uri(target, resource.HealthCheckPath)} did not answer 200";
                throw new TimeoutException(
                    $"{what} within {Context.Options.StartupTimeout.TotalSeconds:0} s. Last output:{Environment.NewLine}  "
                    + string.Join(Environment.NewLine + "  ", process.GetLastLines()));
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }
}
