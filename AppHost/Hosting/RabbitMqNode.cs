using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Gateway.AppHost.Hosting;

/// <summary>How to run a <see cref="RabbitMqNode"/>.</summary>
public sealed record RabbitMqNodeOptions
{
    /// <summary>Short node name (letters, digits, '-' and '_'); the node is <c>name@localhost</c>. Null: a random one.</summary>
    public string? NodeName { get; init; }

    /// <summary>AMQP port; 0 picks a free one. Distribution and epmd ports are always free ones.</summary>
    public int AmqpPort { get; init; }

    /// <summary>Home, cookie, mnesia, logs and config live here. Null: a temporary directory, deleted on dispose.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Output prefix.</summary>
    public string Name { get; init; } = "rabbitmq";

    /// <summary>Receives each prefixed output line (node and its epmd); null: not echoed.</summary>
    public Action<string>? Output { get; init; }

    /// <summary>When set, the node's console output is written there too (RabbitMQ's own log is under BaseDirectory/log).</summary>
    public string? LogFilePath { get; init; }

    /// <summary>RabbitMQ's own log directory (RABBITMQ_LOG_BASE). Null: BaseDirectory/log.</summary>
    public string? LogBaseDirectory { get; init; }

    /// <summary>The node boots in 6-9 s on an idle machine; CI machines are not idle.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a graceful stop may take before SIGKILL (it takes 1-6 s).</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(15);

    public ServerBinaries Binaries { get; init; } = ServerBinaries.Default;
}

/// <summary>
/// A private RabbitMQ node on 127.0.0.1 with its own epmd, ports, Erlang cookie and directories, so several can run
/// at once next to anything else on the machine. Ready when the AMQP port answers the protocol header with
/// Connection.Start. The default <c>guest</c>/<c>guest</c> user works because clients connect over loopback.
/// </summary>
/// <remarks>
/// rabbitmq-server is started with RABBITMQ_ALLOW_INPUT set (and -noinput passed to the VM), which makes the script
/// exec the Erlang VM instead of running it as a background job behind a signal-forwarding shell: the PID we hold
/// is beam.smp itself, so SIGTERM reaches the broker directly and SIGKILL leaves no orphaned VM.
/// </remarks>
public sealed partial class RabbitMqNode : IAsyncDisposable
{
    private readonly RabbitMqNodeOptions _options;
    private readonly bool _ownsBaseDirectory;
    private ManagedProcess? _epmd;
    private ManagedProcess? _server;

    private RabbitMqNode(RabbitMqNodeOptions options, string shortName, string baseDirectory, bool ownsBaseDirectory)
    {
        _options = options;
        ShortName = shortName;
        BaseDirectory = baseDirectory;
        _ownsBaseDirectory = ownsBaseDirectory;
        AmqpPort = options.AmqpPort == 0 ? PortAllocator.GetFreeTcpPort() : options.AmqpPort;
        DistPort = PortAllocator.GetFreeTcpPort();
        EpmdPort = PortAllocator.GetFreeTcpPort();
    }

    public string ShortName { get; }

    /// <summary>The Erlang node name, <c>name@localhost</c>.</summary>
    public string NodeName => $"{ShortName}@localhost";

    public int AmqpPort { get; }

    public int DistPort { get; }

    public int EpmdPort { get; }

    public string BaseDirectory { get; }

    /// <summary>The contract's <c>ConnectionStrings__RabbitMq</c>: <c>amqp://guest:guest@127.0.0.1:port/</c>.</summary>
    public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{AmqpPort}/";

    /// <summary>PID of the broker's Erlang VM (beam.smp). Throws when stopped.</summary>
    public int Pid => _server is { HasExited: false } server ? server.Pid : throw new InvalidOperationException("The node is not running.");

    /// <summary>PID of the node's private epmd. Throws when stopped.</summary>
    public int EpmdPid => _epmd is { HasExited: false } epmd ? epmd.Pid : throw new InvalidOperationException("The node is not running.");

    public bool IsRunning => _server is { HasExited: false };

    /// <summary>The broker process (null when stopped).</summary>
    public ManagedProcess? Process => _server;

    /// <summary>Starts a node named <paramref name="nodeName"/> (null: random) on free ports and waits until AMQP answers.</summary>
    public static Task<RabbitMqNode> StartAsync(string? nodeName = null, CancellationToken cancellationToken = default) =>
        StartAsync(new RabbitMqNodeOptions { NodeName = nodeName }, cancellationToken);

    /// <summary>Starts a node and waits until AMQP answers. Throws <see cref="PrerequisiteMissingException"/> when RabbitMQ is not installed.</summary>
    public static async Task<RabbitMqNode> StartAsync(RabbitMqNodeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Binaries.GetRabbitMqServer();
        options.Binaries.GetEpmd();
        var shortName = options.NodeName ?? $"gw{Guid.NewGuid():N}"[..14];
        if (!NodeNamePattern().IsMatch(shortName))
        {
            throw new ArgumentException($"Node name '{shortName}' must be letters, digits, '-' or '_'.", nameof(options));
        }

        var owns = options.BaseDirectory is null;
        var baseDirectory = options.BaseDirectory ?? Directory.CreateTempSubdirectory("rabbitmq-").FullName;
        var node = new RabbitMqNode(options, shortName, baseDirectory, owns);
        try
        {
            node.PrepareDirectories();
            await node.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return node;
        }
        catch
        {
            await node.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the broker (SIGTERM, SIGKILL after the grace period) and then its epmd. Directories stay.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var server = _server;
        var epmd = _epmd;
        _server = null;
        _epmd = null;
        try
        {
            if (server is not null)
            {
                await server.StopAsync(_options.StopGrace, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            if (epmd is not null)
            {
                await epmd.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts the node again with the same name, ports and data (durable queues survive).</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The node is already running.");
        }

        await StopAsync(cancellationToken).ConfigureAwait(false);
        await StartCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ownsBaseDirectory)
        {
            RedisServerProcess.TryDeleteDirectory(BaseDirectory);
        }
    }

    private string LogBase => _options.LogBaseDirectory ?? Dir("log");

    private string Dir(string name) => Path.Combine(BaseDirectory, name);

    private void PrepareDirectories()
    {
        foreach (var name in new[] { "home", "mnesia" })
        {
            Directory.CreateDirectory(Dir(name));
        }

        Directory.CreateDirectory(LogBase);

        var cookie = Path.Combine(Dir("home"), ".erlang.cookie");
        if (!File.Exists(cookie))
        {
            // Erlang refuses a cookie file that others can read: mode 400.
            var value = string.Concat(Enumerable.Range(0, 32).Select(_ => (char)('A' + Random.Shared.Next(26))));
            File.WriteAllText(cookie, value);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
            }
        }

        File.WriteAllText(Dir("rabbitmq.conf"), string.Create(CultureInfo.InvariantCulture, $"""
            listeners.tcp.default = 127.0.0.1:{AmqpPort}
            log.console = true
            log.console.level = error
            log.file.level = info

            """));
        File.WriteAllText(Dir("enabled_plugins"), "[].\n");
        File.WriteAllText(Dir("rabbitmq-env.conf"), "# intentionally empty: this node ignores /etc/rabbitmq/rabbitmq-env.conf\n");
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var port = (int p) => p.ToString(CultureInfo.InvariantCulture);
        _epmd = ManagedProcess.Start(new ManagedProcessStartInfo
        {
            FileName = _options.Binaries.GetEpmd(),
            Arguments = ["-address", "127.0.0.1", "-port", port(EpmdPort)],
            WorkingDirectory = BaseDirectory,
            Name = $"{_options.Name}-epmd",
            Output = _options.Output,
        });
        await WaitForEpmdAsync(cancellationToken).ConfigureAwait(false);

        _server = ManagedProcess.Start(new ManagedProcessStartInfo
        {
            FileName = _options.Binaries.GetRabbitMqServer(),
            WorkingDirectory = BaseDirectory,
            Name = _options.Name,
            Output = _options.Output,
            LogFilePath = _options.LogFilePath,
            Environment = new Dictionary<string, string?>
            {
                ["HOME"] = Dir("home"),
                ["RABBITMQ_NODENAME"] = NodeName,
                ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_NODE_PORT"] = port(AmqpPort),
                ["RABBITMQ_DIST_PORT"] = port(DistPort),
                ["ERL_EPMD_PORT"] = port(EpmdPort),
                ["RABBITMQ_MNESIA_BASE"] = Dir("mnesia"),
                ["RABBITMQ_LOG_BASE"] = LogBase,
                ["RABBITMQ_CONFIG_FILE"] = Dir("rabbitmq.conf"),
                ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Dir("advanced.config"),
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Dir("enabled_plugins"),
                ["RABBITMQ_CONF_ENV_FILE"] = Dir("rabbitmq-env.conf"),
                ["ERL_CRASH_DUMP"] = Dir("erl_crash.dump"),
                // exec the VM in place of the script (one PID), and keep it from reading stdin.
                ["RABBITMQ_ALLOW_INPUT"] = "true",
                ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-noinput",
            },
        });

        var deadline = DateTime.UtcNow + _options.StartTimeout;
        while (true)
        {
            if (_server.HasExited)
            {
                var code = await _server.Completion.ConfigureAwait(false);
                throw new ManagedProcessExitedException(_server.Name, code, _server.GetLastLines());
            }

            if (await AmqpProbe.IsReadyAsync(AmqpPort, TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"RabbitMQ node {NodeName} did not accept AMQP on port {AmqpPort} within {_options.StartTimeout.TotalSeconds:0} s. "
                    + $"Its log is in {LogBase}.");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WaitForEpmdAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (_epmd!.HasExited)
            {
                var code = await _epmd.Completion.ConfigureAwait(false);
                throw new ManagedProcessExitedException(_epmd.Name, code, _epmd.GetLastLines());
            }

            try
            {
                // NAMES_REQ (length 1, 'n'): a request epmd answers with its port, so it logs no "partial packet".
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync("127.0.0.1", EpmdPort, cancellationToken).ConfigureAwait(false);
                await socket.SendAsync(new byte[] { 0, 1, (byte)'n' }, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                var reply = new byte[4];
                var filled = 0;
                while (filled < reply.Length)
                {
                    var read = await socket.ReceiveAsync(reply.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new SocketException((int)SocketError.ConnectionReset);
                    }

                    filled += read;
                }

                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NodeNamePattern();
}
