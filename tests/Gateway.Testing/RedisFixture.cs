using Gateway.AppHost.Hosting;
using Xunit;

namespace Gateway.Testing;

/// <summary>
/// A real redis-server on a free 127.0.0.1 port for one test class (<c>IClassFixture&lt;RedisFixture&gt;</c>) or
/// collection. Always stopped at the end; can be stopped and started again on the same port to test reconnects.
/// </summary>
public class RedisFixture : IAsyncLifetime
{
    private RedisServerProcess? _server;

    public RedisServerProcess Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary><c>127.0.0.1:port[,password=...]</c>, the format of <c>ConnectionStrings__Redis</c>.</summary>
    public string ConnectionString => Server.ConnectionString;

    public string Endpoint => Server.Endpoint;

    public int Port => Server.Port;

    public virtual async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        _server = await RedisServerProcess.StartAsync(CreateOptions(), timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Stops the server; the port stays reserved for <see cref="StartAgainAsync"/>.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => Server.StopAsync(cancellationToken);

    /// <summary>Starts the server again on the same port (data is not kept: it runs without persistence).</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) => Server.StartAgainAsync(cancellationToken);

    /// <summary>Stop, then start again on the same port.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken).ConfigureAwait(false);
        await StartAgainAsync(cancellationToken).ConfigureAwait(false);
    }

    public virtual async Task DisposeAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Override to set a password (<c>Password = "..."</c>) or extra server arguments.</summary>
    protected virtual RedisServerOptions CreateOptions() => new();
}
