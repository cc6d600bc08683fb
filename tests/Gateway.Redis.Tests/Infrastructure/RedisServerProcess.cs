using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Redis.Tests.Infrastructure;

/// <summary>
/// A real redis-server as a child process (not daemonized, so we hold its PID) on a free 127.0.0.1 port with its own
/// temp directory and no persistence. Private to these tests until the shared Gateway.Testing fixture replaces it,
/// so the API stays tiny: StartAsync, Endpoint, StopAsync, StartAgainAsync (same port), DisposeAsync (kill by PID).
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly string[] _extraArgs;
    private readonly string _directory;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServerProcess(int port, string directory, string[] extraArgs)
    {
        Port = port;
        _directory = directory;
        _extraArgs = extraArgs;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, usable as a connection string.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server on a free loopback port; extra arguments are appended (e.g. "--requirepass", "x").</summary>
    public static async Task<RedisServerProcess> StartAsync(params string[] extraArgs)
    {
        const int attempts = 3; // a port found free can be taken by someone else before redis binds it
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("gateway-redis-test-").FullName;
            var server = new RedisServerProcess(FreePort(), directory, extraArgs);
            try
            {
                await server.StartProcessAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < attempts)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Kills the server (SIGKILL, like a crash) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync().WaitAsync(ExitTimeout);
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>Starts the server again on the same port (after <see cref="StopAsync"/>), with an empty dataset.</summary>
    public Task StartAgainAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("The server is still running.");
        }

        return StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(FindRedisServer())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var arg in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", _directory, "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in _extraArgs)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => AppendOutput(e.Data);
        process.ErrorDataReceived += (_, e) => AppendOutput(e.Data);
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.GetTimestamp() + (long)(ReadyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                await StopAsync();
                throw new InvalidOperationException($"redis-server exited during startup on port {Port}:\n{Output}");
            }

            if (await AnswersPingAsync())
            {
                return;
            }

            await Task.Delay(20);
        }

        await StopAsync();
        throw new InvalidOperationException($"redis-server did not become ready on port {Port} within {ReadyTimeout}:\n{Output}");
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void AppendOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    // Ready once it answers (+PONG, or -NOAUTH when it requires a password).
    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cts.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, cts.Token);
            return read > 0 && (buffer[0] == (byte)'+' || buffer[0] == (byte)'-');
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRedisServer()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "redis-server is not installed: apt-get install -y --no-install-recommends redis-server");
    }
}
