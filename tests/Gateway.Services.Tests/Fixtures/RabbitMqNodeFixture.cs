using System.Diagnostics;
using RabbitMQ.Client;

namespace Gateway.Services.Tests.Fixtures;

/// <summary>
/// TEMPORARY (until Gateway.Testing.RabbitMqFixture lands): a private RabbitMQ node (its own epmd, HOME, cookie,
/// data and ports, all on 127.0.0.1), ready once an AMQP connection succeeds; killed by PID afterwards.
/// </summary>
public sealed class RabbitMqNodeFixture : IAsyncLifetime
{
    private Process? _epmd;
    private Process? _node;
    private string? _directory;

    public int Port { get; private set; }

    /// <summary>"amqp://guest:guest@127.0.0.1:PORT/", the ConnectionStrings__RabbitMq format.</summary>
    public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public async Task InitializeAsync()
    {
        var server = LocalProcess.Require("/usr/lib/rabbitmq/bin/rabbitmq-server", "rabbitmq-server");
        var epmd = File.Exists("/usr/bin/epmd") ? "/usr/bin/epmd" : LocalProcess.Require("/usr/lib/erlang/bin/epmd", "erlang-base");
        _directory = Path.Combine(Path.GetTempPath(), "gw-rabbit-" + Guid.NewGuid().ToString("N"));
        var home = Path.Combine(_directory, "home");
        Directory.CreateDirectory(home);
        var cookie = Path.Combine(home, ".erlang.cookie");
        await File.WriteAllTextAsync(cookie, Guid.NewGuid().ToString("N"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        }
        Port = LocalProcess.FreePort();
        var epmdPort = LocalProcess.FreePort();
        var distPort = LocalProcess.FreePort();
        var config = Path.Combine(_directory, "rabbitmq.conf");
        await File.WriteAllTextAsync(config, $"listeners.tcp.default = 127.0.0.1:{Port}\nloopback_users = none\n");
        var plugins = Path.Combine(_directory, "enabled_plugins");
        await File.WriteAllTextAsync(plugins, "[].\n");
        var nodeName = $"gw{Port}@localhost";
        try
        {
            _epmd = LocalProcess.Start(epmd, ["-address", "127.0.0.1", "-port", epmdPort.ToString()]);
            _node = LocalProcess.Start(server, [], new Dictionary<string, string>
            {
                ["HOME"] = home,
                ["RABBITMQ_NODENAME"] = nodeName,
                ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_NODE_PORT"] = Port.ToString(),
                ["RABBITMQ_DIST_PORT"] = distPort.ToString(),
                ["ERL_EPMD_PORT"] = epmdPort.ToString(),
                ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log"),
                ["RABBITMQ_CONFIG_FILE"] = config,
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = plugins,
            });

            var factory = new ConnectionFactory { Uri = new Uri(ConnectionString) };
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                try
                {
                    await using var connection = await factory.CreateConnectionAsync();
                    return;
                }
                catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
                {
                    if (_node.HasExited || DateTime.UtcNow > deadline)
                    {
                        throw new InvalidOperationException($"RabbitMQ did not accept AMQP connections on port {Port}.", ex);
                    }

                    await Task.Delay(250);
                }
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
        LocalProcess.Kill(_node);
        _node = null;
        LocalProcess.Kill(_epmd);
        _epmd = null;
        if (_directory is not null && Directory.Exists(_directory))
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A lingering Erlang helper may still hold a log file for a moment; the temp dir is reclaimed later.
            }
        }

        return Task.CompletedTask;
    }
}
