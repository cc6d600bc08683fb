using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Ingress.Tests.Fakes;

/// <summary>
/// A private RabbitMQ node (Debian's rabbitmq-server) on free loopback ports, with its own epmd, HOME, cookie and
/// data directory, so it can be stopped and started again with its queues intact. Only processes it started are
/// stopped, by PID.
/// </summary>
internal sealed class RabbitMqServer : IAsyncDisposable
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly int _epmdPort;
    private readonly int _distPort;
    private Process? _epmd;
    private Process? _server;

    private RabbitMqServer(string directory)
    {
        _directory = directory;
        Port = FreePort();
        _epmdPort = FreePort();
        _distPort = FreePort();
    }

    public int Port { get; }

    public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public static RabbitMqServer Create()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(ServerScript))
        {
            throw new InvalidOperationException(
                "rabbitmq-server is not installed: apt-get install -y --no-install-recommends rabbitmq-server");
        }

        var directory = Path.Combine(Path.GetTempPath(), "ingress-rabbit-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(directory, "home"));
        Directory.CreateDirectory(Path.Combine(directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(directory, "log"));
        var cookie = Path.Combine(directory, "home", ".erlang.cookie");
        File.WriteAllText(cookie, Guid.NewGuid().ToString("N"));
        File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        var server = new RabbitMqServer(directory);
        File.WriteAllText(Path.Combine(directory, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{server.Port}\n");
        File.WriteAllText(Path.Combine(directory, "enabled_plugins"), "[].\n");
        return server;
    }

    public async Task StartAsync()
    {
        if (_epmd is null)
        {
            _epmd = Start("epmd", ["-address", "127.0.0.1", "-port", _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], null);
        }

        var env = new Dictionary<string, string>
        {
            ["HOME"] = Path.Combine(_directory, "home"),
            ["RABBITMQ_NODENAME"] = $"ingress{Port}@localhost",
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = _distPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ERL_EPMD_PORT"] = _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_directory, "rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "enabled_plugins"),
        };
        _server = Start(ServerScript, [], env);

        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"rabbitmq-server exited with {_server.ExitCode}; logs in {_directory}/log");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(200);
            }
        }

        throw new TimeoutException($"rabbitmq-server did not listen on {Port} within {StartTimeout}.");
    }

    /// <summary>Stops the node gracefully (SIGTERM to the launcher, which stops the VM), else kills it.</summary>
    public async Task StopAsync()
    {
        var server = _server;
        _server = null;
        if (server is null)
        {
            return;
        }

        var children = ChildPids(server.Id);
        if (!server.HasExited)
        {
            Signal(server.Id, "TERM");
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await server.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                server.Kill(entireProcessTree: true);
            }
        }

        foreach (var pid in children)
        {
            // The Erlang VM the launcher started: gone after a graceful stop, killed otherwise.
            if (IsAlive(pid))
            {
                Signal(pid, "KILL");
            }
        }

        server.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_epmd is { HasExited: false })
        {
            _epmd.Kill();
            await _epmd.WaitForExitAsync();
        }

        _epmd?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private Process Start(string file, string[] args, Dictionary<string, string>? env)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (env is not null)
        {
            foreach (var (key, value) in env)
            {
                info.Environment[key] = value;
            }
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static List<int> ChildPids(int pid)
    {
        var result = new List<int>();
        foreach (var task in Directory.Exists($"/proc/{pid}/task") ? Directory.GetDirectories($"/proc/{pid}/task") : [])
        {
            var children = Path.Combine(task, "children");
            if (File.Exists(children))
            {
                foreach (var child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    result.Add(int.Parse(child, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        return result;
    }

    private static bool IsAlive(int pid)
    {
        // A zombie still has /proc/PID; its state letter is Z.
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        kill.WaitForExit(5000);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
