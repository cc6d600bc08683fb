using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Services.Tests.Fixtures;

/// <summary>TEMPORARY (until Gateway.Testing.RedisFixture lands): a private redis-server on a free loopback port.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;
    private string? _directory;

    public int Port { get; private set; }

    /// <summary>"127.0.0.1:PORT", the ConnectionStrings__Redis format.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        var binary = LocalProcess.Require("/usr/bin/redis-server", "redis-server");
        _directory = Path.Combine(Path.GetTempPath(), "gw-redis-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        Port = LocalProcess.FreePort();
        _process = LocalProcess.Start(binary, ["--bind", "127.0.0.1", "--port", Port.ToString(), "--dir", _directory, "--save", "", "--appendonly", "no"]);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!await PingAsync())
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"redis-server did not answer PING on port {Port}.");
                }

                await Task.Delay(50);
            }
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public Task DisposeAsync()
    {
        LocalProcess.Kill(_process);
        _process = null;
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
