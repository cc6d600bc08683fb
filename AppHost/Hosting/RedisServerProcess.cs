namespace Gateway.AppHost.Hosting;

/// <summary>How to run a <see cref="RedisServerProcess"/>.</summary>
public sealed record RedisServerOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (and retries with another if it is taken meanwhile).</summary>
    public int Port { get; init; }

    /// <summary>Working directory of the server (--dir). Null: a temporary directory, deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Sets --requirepass; the readiness probe and <see cref="RedisServerProcess.ConnectionString"/> use it.</summary>
    public string? Password { get; init; }

    /// <summary>More redis-server arguments, appended after ours (e.g. <c>--maxmemory 64mb</c>).</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>Output prefix and log name.</summary>
    public string Name { get; init; } = "redis";

    /// <summary>Receives each prefixed output line; null: not echoed.</summary>
    public Action<string>? Output { get; init; }

    /// <summary>When set, the server's output is written there too.</summary>
    public string? LogFilePath { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public ServerBinaries Binaries { get; init; } = ServerBinaries.Default;
}

/// <summary>
/// A real redis-server on 127.0.0.1, in the foreground (not daemonized, so its PID is ours to stop), with no
/// persistence (<c>--save '' --appendonly no</c>). Ready when it answers PING.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private const int PortAttempts = 3;
    private readonly RedisServerOptions _options;
    private readonly bool _ownsDataDirectory;
    private ManagedProcess? _process;

    private RedisServerProcess(RedisServerOptions options, int port, string dataDirectory, bool ownsDataDirectory)
    {
        _options = options;
        Port = port;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        Password = options.Password ?? FindArgument(options.ExtraArgs, "--requirepass");
    }

    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The contract's <c>ConnectionStrings__Redis</c> format: <c>host:port[,password=...]</c>.</summary>
    public string ConnectionString => Password is null ? Endpoint : $"{Endpoint},password={Password}";

    public string? Password { get; }

    public string DataDirectory { get; }

    /// <summary>The PID of the running server. Throws when it is stopped.</summary>
    public int Pid => _process is { HasExited: false } process
        ? process.Pid
        : throw new InvalidOperationException("redis-server is not running.");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The current server process (a new one after <see cref="StartAgainAsync"/>), or null when stopped.</summary>
    public ManagedProcess? Process => _process;

    /// <summary>Starts redis-server on <paramref name="port"/> (0: a free one) and waits until it answers PING.</summary>
    public static Task<RedisServerProcess> StartAsync(
        int port = 0,
        string? dataDirectory = null,
        IReadOnlyList<string>? extraArgs = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(new RedisServerOptions { Port = port, DataDirectory = dataDirectory, ExtraArgs = extraArgs ?? [] }, cancellationToken);

    /// <summary>Starts redis-server and waits until it answers PING. Throws <see cref="PrerequisiteMissingException"/> when it is not installed.</summary>
    public static async Task<RedisServerProcess> StartAsync(RedisServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Binaries.GetRedisServer();
        var ownsDirectory = options.DataDirectory is null;
        var directory = options.DataDirectory ?? Directory.CreateTempSubdirectory("redis-").FullName;
        Directory.CreateDirectory(directory);
        var server = new RedisServerProcess(options, options.Port == 0 ? PortAllocator.GetFreeTcpPort() : options.Port, directory, ownsDirectory);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await server.StartCoreAsync(cancellationToken).ConfigureAwait(false);
                    return server;
                }
                catch (ManagedProcessExitedException ex) when (options.Port == 0 && attempt < PortAttempts && IsPortTaken(ex))
                {
                    server.Port = PortAllocator.GetFreeTcpPort();
                }
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the server (SIGTERM, SIGKILL after 5 s). The data directory stays for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_process is { } process)
        {
            _process = null;
            try
            {
                await process.StopAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts the server again on the same port and directory (after <see cref="StopAsync"/>), waiting for PING.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("redis-server is already running.");
        }

        await StopAsync(cancellationToken).ConfigureAwait(false);
        await StartCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ownsDataDirectory)
        {
            TryDeleteDirectory(DataDirectory);
        }
    }

    internal static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the OS temp cleaner; never fail a shutdown over a directory.
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        string[] arguments =
        [
            "--bind", "127.0.0.1",
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dir", DataDirectory,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--protected-mode", "yes",
            .. Password is not null && _options.Password is not null ? ["--requirepass", Password] : Array.Empty<string>(),
            .. _options.ExtraArgs,
        ];
        var process = ManagedProcess.Start(new ManagedProcessStartInfo
        {
            FileName = _options.Binaries.GetRedisServer(),
            Arguments = arguments,
            WorkingDirectory = DataDirectory,
            Name = _options.Name,
            Output = _options.Output,
            LogFilePath = _options.LogFilePath,
        });
        _process = process;
        try
        {
            await WaitReadyAsync(process, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _process = null;
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task WaitReadyAsync(ManagedProcess process, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                var code = await process.Completion.ConfigureAwait(false);
                throw new ManagedProcessExitedException(process.Name, code, process.GetLastLines());
            }

            if (await RedisPing.PingAsync(Port, Password, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"redis-server on port {Port} did not answer PING within {_options.StartTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsPortTaken(ManagedProcessExitedException ex) =>
        ex.LastLines.Any(l => l.Contains("Address already in use", StringComparison.OrdinalIgnoreCase));

    private static string? FindArgument(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (string.Equals(args[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return args[i + 1];
            }
        }

        return null;
    }
}
