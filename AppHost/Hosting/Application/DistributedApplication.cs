using System.Runtime.InteropServices;

namespace Gateway.AppHost.Hosting;

/// <summary>
/// A built set of resources: starts them (building projects first, honouring WaitFor, waiting for each health check),
/// watches them, and stops them in reverse dependency order leaving no process behind.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    // Inherited variables that would override the listeners given through Kestrel__Endpoints__*.
    private static readonly string[] s_removedVariables =
        ["ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_STARTUP_HOOKS"];

    private static readonly string[] s_passedThroughVariables =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS"];

    private readonly IReadOnlyList<Resource> _resources;
    private readonly Dictionary<Resource, ResourceRunner> _runners = [];
    private readonly List<ResourceEvent> _events = [];
    private readonly Dictionary<int, long> _seenProcesses = [];
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private IReadOnlyList<Resource> _selected = [];
    private string? _stateDirectory;
    private string? _runDirectory;
    private string? _lockFile;
    private bool _ownsStateDirectory;
    private bool _started;
    private volatile bool _stopping;

    internal DistributedApplication(DistributedApplicationOptions options, IReadOnlyList<Resource> resources)
    {
        Options = options;
        _resources = resources;
    }

    public DistributedApplicationOptions Options { get; }

    /// <summary>Every declared resource, dependencies before dependents.</summary>
    public IReadOnlyList<Resource> Resources => _resources;

    /// <summary>The resources chosen by <see cref="DistributedApplicationOptions.Only"/> (all when empty), in start order.</summary>
    public IReadOnlyList<Resource> SelectedResources => _selected.Count > 0 ? _selected : Select();

    /// <summary>Every state change so far, in order.</summary>
    public IReadOnlyList<ResourceEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Directory of the per-resource logs (valid once started).</summary>
    public string? LogDirectory => _stateDirectory is null ? null : Path.Combine(_stateDirectory, "logs");

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(DistributedApplicationOptions.Parse(args));

    public static DistributedApplicationBuilder CreateBuilder(DistributedApplicationOptions? options = null) => new(options ?? new());

    public Resource GetResource(string name) =>
        _resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No resource named '{name}'. Resources: {string.Join(", ", _resources.Select(r => r.Name))}.");

    /// <summary>
    /// The variables a process resource gets on top of the inherited environment: environment names, OTEL service
    /// name, Kestrel endpoints, references (ConnectionStrings__*, Services__*) and explicit WithEnvironment values.
    /// </summary>
    public IReadOnlyDictionary<string, string> GetEnvironment(string resourceName)
    {
        if (GetResource(resourceName) is not ProcessResource resource)
        {
            throw new InvalidOperationException($"'{resourceName}' is not a process resource; it has no environment.");
        }

        return BuildEnvironment(resource)
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value!, StringComparer.Ordinal);
    }

    /// <summary>Live PIDs of a resource (a RabbitMQ node reports its VM and its epmd); empty when it is not running.</summary>
    public IReadOnlyList<int> GetProcessIds(string resourceName)
    {
        var resource = GetResource(resourceName);
        lock (_lock)
        {
            if (!_runners.TryGetValue(resource, out var runner))
            {
                return [];
            }

            var pids = runner.Processes.Where(p => !p.HasExited).Select(p => p.Pid).ToList();
            if (runner is RabbitMqRunner { EpmdPid: { } epmd })
            {
                pids.Add(epmd);
            }

            return pids;
        }
    }

    /// <summary>The last output lines of a resource's main process (empty when it never started).</summary>
    public IReadOnlyList<string> GetLastLines(string resourceName, int count = 20)
    {
        var resource = GetResource(resourceName);
        lock (_lock)
        {
            return _runners.TryGetValue(resource, out var runner) && runner.MainProcess is { } process ? process.GetLastLines(count) : [];
        }
    }

    /// <summary>Every PID started by this application that is still running (empty after a clean stop).</summary>
    public IReadOnlyList<int> GetLeftoverProcessIds()
    {
        lock (_lock)
        {
            return _seenProcesses.Where(p => UnixProcess.IsRunning(p.Key, p.Value)).Select(p => p.Key).ToList();
        }
    }

    /// <summary>
    /// Checks prerequisites, builds the projects (per <see cref="DistributedApplicationOptions.BuildMode"/>), starts every
    /// selected resource once its WaitFor dependencies are healthy, and returns when all are healthy. On any failure
    /// everything already started is stopped before the exception (<see cref="DistributedApplicationException"/>,
    /// <see cref="PrerequisiteMissingException"/> or, when cancelled, <see cref="OperationCanceledException"/>) is thrown.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_started)
            {
                throw new InvalidOperationException("The application was already started.");
            }

            _started = true;
            _stopping = false;
            _selected = Select();
            try
            {
                await StartCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await StopCoreAsync().ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops every started resource, dependents before their dependencies, each SIGTERM then SIGKILL. Idempotent.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops one running resource (its dependents keep running), e.g. to test how the others cope.</summary>
    public async Task StopResourceAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var runner = GetRunner(resourceName);
        runner.StopRequested = true;
        Record(runner.Resource, ResourceState.Stopping);
        await runner.StopAsync(cancellationToken).ConfigureAwait(false);
        Record(runner.Resource, ResourceState.Stopped);
    }

    /// <summary>Starts a resource stopped with <see cref="StopResourceAsync"/> again, with the same ports and environment.</summary>
    public async Task StartResourceAsync(string resourceName, CancellationToken cancellationToken = default)
    {
        var runner = GetRunner(resourceName);
        if (runner.MainProcess is { HasExited: false })
        {
            throw new InvalidOperationException($"'{resourceName}' is running.");
        }

        await runner.StopAsync(cancellationToken).ConfigureAwait(false);
        runner.StopRequested = false;
        Record(runner.Resource, ResourceState.Starting);
        await runner.StartAsync(cancellationToken).ConfigureAwait(false);
        Record(runner.Resource, ResourceState.Healthy, Pids(runner));
        _ = MonitorAsync(runner);
    }

    /// <summary>
    /// The AppHost main loop: starts everything, runs <paramref name="onStarted"/>, then waits for Ctrl+C (SIGINT),
    /// SIGTERM, SIGHUP, the end of a parent <c>dotnet run</c>, or <paramref name="cancellationToken"/>, and stops
    /// everything. A second signal kills every process at once. Returns the process exit code: 0 after a requested
    /// stop, 1 when startup failed, 2 for bad arguments, 3 when a server is not installed, 130 when interrupted while starting.
    /// </summary>
    public async Task<int> RunAsync(
        Func<DistributedApplication, CancellationToken, Task>? onStarted = null,
        CancellationToken cancellationToken = default)
    {
        if (Options.ShowHelp)
        {
            Console.WriteLine(DistributedApplicationOptions.Usage);
            return 0;
        }

        if (Options.ArgumentError is { } error)
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(DistributedApplicationOptions.Usage);
            return 2;
        }

        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var signals = 0;
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref signals) == 1)
            {
                Say($"{context.Signal} received: stopping every resource (send it again to kill them at once).");
                shutdown.Cancel();
            }
            else
            {
                Say("killing every process now.");
                ManagedProcess.KillAll();
                Environment.Exit(130);
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        using var parentWatch = WatchDotnetRunParent(shutdown);

        try
        {
            await StartAsync(shutdown.Token).ConfigureAwait(false);
        }
        catch (PrerequisiteMissingException ex)
        {
            Console.Error.WriteLine($"[apphost] {ex.Message}");
            return 3;
        }
        catch (DistributedApplicationException ex)
        {
            Console.Error.WriteLine($"[apphost] {ex.Message}");
            Console.Error.WriteLine("[apphost] startup failed; everything that had started was stopped.");
            return 1;
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            Say("startup interrupted; everything that had started was stopped.");
            return 130;
        }

        try
        {
            if (onStarted is not null)
            {
                try
                {
                    await onStarted(this, shutdown.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Say($"warning: the post-start step failed: {ex.Message}");
                }
            }

            Say("all resources are healthy; press Ctrl+C to stop.");
            await Task.Delay(Timeout.Infinite, shutdown.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _lifecycle.Dispose();
    }

    internal static IReadOnlyList<Resource> TopologicalOrder(IReadOnlyList<Resource> resources)
    {
        var order = new List<Resource>();
        var state = new Dictionary<Resource, int>(); // 1 visiting, 2 done
        void Visit(Resource resource, Stack<Resource> path)
        {
            if (state.TryGetValue(resource, out var s))
            {
                if (s == 1)
                {
                    var cycle = path.Reverse().SkipWhile(r => r != resource).Select(r => r.Name).Append(resource.Name);
                    throw new InvalidOperationException($"Dependency cycle: {string.Join(" -> ", cycle)}.");
                }

                return;
            }

            state[resource] = 1;
            path.Push(resource);
            foreach (var dependency in resource.Dependencies)
            {
                Visit(dependency, path);
            }

            path.Pop();
            state[resource] = 2;
            order.Add(resource);
        }

        foreach (var resource in resources)
        {
            Visit(resource, new Stack<Resource>());
        }

        return order;
    }

    internal Dictionary<string, string?> BuildEnvironment(ProcessResource resource)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in s_removedVariables)
        {
            environment[name] = null;
        }

        environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        environment["DOTNET_ENVIRONMENT"] = "Development";
        environment["OTEL_SERVICE_NAME"] = resource.Name;
        foreach (var name in s_passedThroughVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                environment[name] = value;
            }
        }

        foreach (var endpoint in resource.Endpoints)
        {
            if (resource is ProjectResource)
            {
                environment[$"Kestrel__Endpoints__{endpoint.Name}__Url"] = endpoint.Url;
                if (endpoint.IsGrpc)
                {
                    environment[$"Kestrel__Endpoints__{endpoint.Name}__Protocols"] = "Http2";
                }
            }

            if (endpoint.EnvironmentVariable is { } variable)
            {
                environment[variable] = endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        foreach (var (name, value) in resource.EnvironmentEntries)
        {
            environment[name] = value();
        }

        return environment;
    }

    private IReadOnlyList<Resource> Select()
    {
        if (Options.Only.Count == 0)
        {
            return _resources;
        }

        var unknown = Options.Only.Where(n => !_resources.Any(r => string.Equals(r.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            throw new DistributedApplicationException(
                $"--only names unknown resources: {string.Join(", ", unknown)}. Resources: {string.Join(", ", _resources.Select(r => r.Name))}.");
        }

        var chosen = new HashSet<Resource>();
        void Add(Resource resource)
        {
            if (chosen.Add(resource))
            {
                foreach (var dependency in resource.Dependencies)
                {
                    Add(dependency);
                }
            }
        }

        foreach (var name in Options.Only)
        {
            Add(GetResource(name));
        }

        return _resources.Where(chosen.Contains).ToList();
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        // 1. Everything that can be checked before starting anything.
        foreach (var resource in _selected)
        {
            _ = resource switch
            {
                RedisResource => Options.Binaries.GetRedisServer(),
                RabbitMqResource => Options.Binaries.GetRabbitMqServer() + Options.Binaries.GetEpmd(),
                _ => "",
            };
        }

        var root = Options.ResolveRepositoryRoot() ?? Environment.CurrentDirectory;
        var layouts = _selected.OfType<ProjectResource>()
            .ToDictionary(p => p, p => ProjectLayout.Resolve(p, root, Options.Configuration, Options.TargetFramework));
        PrepareStateDirectory();
        var logs = Path.Combine(_stateDirectory!, "logs");
        var dotnet = ProjectBuilder.FindDotnet();

        // 2. Build.
        var toBuild = Options.BuildMode switch
        {
            ProjectBuildMode.Always => layouts.Values.ToList(),
            ProjectBuildMode.IfMissing => layouts.Values.Where(l => !File.Exists(l.OutputAssembly)).ToList(),
            _ => [],
        };
        await ProjectBuilder.BuildAsync(toBuild, Options, root, _runDirectory!, logs, dotnet, cancellationToken).ConfigureAwait(false);
        foreach (var (project, layout) in layouts)
        {
            if (!File.Exists(layout.OutputAssembly))
            {
                throw new DistributedApplicationException(
                    $"Resource '{project.Name}': {layout.OutputAssembly} does not exist. Build {Path.GetRelativePath(root, layout.ProjectFile)} "
                    + $"with -c {Options.Configuration} first, or run without --no-build.",
                    project.Name);
            }
        }

        // 3. Start, each resource once what it waits for is healthy.
        var context = new RunnerContext(Options, root, _runDirectory!, logs, dotnet, BuildEnvironment, p => layouts[p]);
        lock (_lock)
        {
            foreach (var resource in _selected)
            {
                _runners[resource] = ResourceRunner.Create(resource, context);
            }
        }

        using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Dictionary<Resource, Task>();
        foreach (var resource in _selected)
        {
            var waits = resource.WaitsFor.Where(tasks.ContainsKey).Select(d => tasks[d]).ToArray();
            tasks[resource] = StartResourceAsync(_runners[resource], waits, startup.Token);
        }

        Exception? failure = null;
        var pending = tasks.Values.ToList();
        while (pending.Count > 0)
        {
            var finished = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(finished);
            if (finished.IsFaulted && failure is null)
            {
                failure = finished.Exception!.InnerException!;
                await startup.CancelAsync().ConfigureAwait(false);
            }
        }

        if (failure is not null)
        {
            throw failure;
        }

        cancellationToken.ThrowIfCancellationRequested();
        foreach (var runner in _runners.Values)
        {
            _ = MonitorAsync(runner);
        }
    }

    private async Task StartResourceAsync(ResourceRunner runner, Task[] waits, CancellationToken cancellationToken)
    {
        var resource = runner.Resource;
        if (waits.Length > 0)
        {
            Record(resource, ResourceState.Waiting, detail: string.Join(", ", resource.WaitsFor.Select(r => r.Name)));
            try
            {
                await Task.WhenAll(waits).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A dependency failed: its failure is the one reported; this one simply never starts.
                throw new OperationCanceledException();
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        Record(resource, ResourceState.Starting);
        try
        {
            await runner.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Record(resource, ResourceState.Failed, detail: ex.Message);
            throw ex is PrerequisiteMissingException
                ? ex
                : new DistributedApplicationException($"{resource} failed to start: {ex.Message}", resource.Name, ex);
        }

        Record(resource, ResourceState.Healthy, Pids(runner));
        Say($"{resource.Name} is healthy (pid {string.Join(", ", Pids(runner))}{Describe(resource)}).");
    }

    private async Task StopCoreAsync()
    {
        if (_stopping && _runners.Count == 0)
        {
            return;
        }

        _stopping = true;
        Dictionary<Resource, ResourceRunner> runners;
        lock (_lock)
        {
            runners = new Dictionary<Resource, ResourceRunner>(_runners);
        }

        if (runners.Count > 0)
        {
            // Reverse dependency order: a resource stops once everything that depends on it has stopped.
            var stops = new Dictionary<Resource, Task>();
            foreach (var resource in _resources.Reverse().Where(runners.ContainsKey))
            {
                var dependents = runners.Keys.Where(r => r.Dependencies.Contains(resource) && stops.ContainsKey(r)).Select(r => stops[r]).ToArray();
                stops[resource] = StopResourceAfterAsync(runners[resource], dependents);
            }

            await Task.WhenAll(stops.Values).ConfigureAwait(false);
            lock (_lock)
            {
                _runners.Clear();
            }

            var leftovers = GetLeftoverProcessIds();
            foreach (var pid in leftovers)
            {
                UnixProcess.SendSignal(pid, UnixSignal.Kill);
            }

            Say(leftovers.Count == 0
                ? $"stopped {runners.Count} resource(s); no process left."
                : $"stopped {runners.Count} resource(s); killed leftover pid(s) {string.Join(", ", leftovers)}.");
        }

        CleanStateDirectory();
    }

    private async Task StopResourceAfterAsync(ResourceRunner runner, Task[] dependents)
    {
        await Task.WhenAll(dependents).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        runner.StopRequested = true;
        var wasRunning = runner.MainProcess is { HasExited: false };
        if (wasRunning)
        {
            Record(runner.Resource, ResourceState.Stopping);
        }

        try
        {
            await runner.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Say($"warning: stopping {runner.Resource.Name} failed: {ex.Message}");
        }

        if (wasRunning)
        {
            Record(runner.Resource, ResourceState.Stopped);
        }
    }

    private async Task MonitorAsync(ResourceRunner runner)
    {
        if (runner.MainProcess is not { } process)
        {
            return;
        }

        var code = await process.Completion.ConfigureAwait(false);
        if (_stopping || runner.StopRequested || runner.MainProcess != process)
        {
            return;
        }

        Record(runner.Resource, ResourceState.Exited, detail: $"exit code {code}");
        Say($"{runner.Resource.Name} exited unexpectedly with code {code}. Last output:"
            + ProjectBuilder.Describe(process.GetLastLines(15)));
    }

    private ResourceRunner GetRunner(string resourceName)
    {
        var resource = GetResource(resourceName);
        lock (_lock)
        {
            return _runners.TryGetValue(resource, out var runner)
                ? runner
                : throw new InvalidOperationException($"'{resourceName}' was not started by this application.");
        }
    }

    private IReadOnlyList<int> Pids(ResourceRunner runner) => GetProcessIds(runner.Resource.Name);

    private static string Describe(Resource resource) => resource switch
    {
        ConnectionStringResource c => $", {c.GetConnectionString()}",
        _ when resource.Endpoints.Count > 0 => ", " + string.Join(", ", resource.Endpoints.Select(e => $"{e.Name} {e.Url}")),
        _ => "",
    };

    private void Record(Resource resource, ResourceState state, IReadOnlyList<int>? pids = null, string? detail = null)
    {
        lock (_lock)
        {
            _events.Add(new ResourceEvent(resource.Name, state, pids ?? [], detail, DateTimeOffset.UtcNow));
            foreach (var pid in pids ?? [])
            {
                if (UnixProcess.GetStartTime(pid) is { } startTime)
                {
                    _seenProcesses[pid] = startTime;
                }
            }
        }
    }

    private void Say(string message) => Options.Output?.Invoke($"[apphost] {message}");

    private void PrepareStateDirectory()
    {
        _ownsStateDirectory = Options.StateDirectory is null;
        _stateDirectory = Options.StateDirectory ?? Directory.CreateTempSubdirectory("gateway-stack-").FullName;
        Directory.CreateDirectory(_stateDirectory);
        Options.ResolvedStateDirectory = _stateDirectory;
        if (!_ownsStateDirectory)
        {
            _lockFile = Path.Combine(_stateDirectory, "apphost.pid");
            if (File.Exists(_lockFile)
                && int.TryParse(File.ReadAllText(_lockFile).Trim(), out var other)
                && other != Environment.ProcessId
                && UnixProcess.IsRunning(other))
            {
                var lockFile = _lockFile;
                _lockFile = null; // not ours to delete
                throw new DistributedApplicationException(
                    $"Another application (pid {other}) is using {_stateDirectory} ({lockFile}). Stop it first, or pass --state-dir.");
            }

            File.WriteAllText(_lockFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        _runDirectory = Path.Combine(_stateDirectory, "run");
        if (Directory.Exists(_runDirectory))
        {
            RedisServerProcess.TryDeleteDirectory(_runDirectory); // stale state of a run that was killed
        }

        Directory.CreateDirectory(_runDirectory);
        Directory.CreateDirectory(Path.Combine(_stateDirectory, "logs"));
    }

    private void CleanStateDirectory()
    {
        if (_stateDirectory is null)
        {
            return;
        }

        if (_ownsStateDirectory)
        {
            RedisServerProcess.TryDeleteDirectory(_stateDirectory);
        }
        else
        {
            if (_runDirectory is not null)
            {
                RedisServerProcess.TryDeleteDirectory(_runDirectory);
            }

            if (_lockFile is not null)
            {
                File.Delete(_lockFile);
            }
        }

        _stateDirectory = null;
        _runDirectory = null;
        _lockFile = null;
    }

    /// <summary>
    /// `dotnet run` forwards SIGTERM and a terminal's Ctrl+C reaches us directly, but if `dotnet run` itself is
    /// killed (SIGKILL) we would be orphaned: notice the parent change and stop.
    /// </summary>
    private IDisposable? WatchDotnetRunParent(CancellationTokenSource shutdown)
    {
        var parent = UnixProcess.GetParentPid(Environment.ProcessId);
        if (parent is not { } ppid || !UnixProcess.GetCommandLine(ppid).Skip(1).Take(3).Contains("run"))
        {
            return null;
        }

        var timer = new Timer(_ =>
        {
            if (UnixProcess.GetParentPid(Environment.ProcessId) != ppid && !shutdown.IsCancellationRequested)
            {
                Say("the parent 'dotnet run' is gone: stopping every resource.");
                shutdown.Cancel();
            }
        });
        timer.Change(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        return timer;
    }
}
