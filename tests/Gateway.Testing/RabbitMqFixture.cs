using Gateway.AppHost.Hosting;
using Xunit;

namespace Gateway.Testing;

/// <summary>
/// A private RabbitMQ node (own epmd, ports, cookie and directories) per fixture instance; boots in 6-9 s.
/// Always stopped at the end, leaving no Erlang process behind.
/// </summary>
public class RabbitMqFixture : IAsyncLifetime
{
    private RabbitMqNode? _node;

    public RabbitMqNode Node => _node ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary><c>amqp://guest:guest@127.0.0.1:port/</c>, the format of <c>ConnectionStrings__RabbitMq</c>.</summary>
    public string ConnectionString => Node.ConnectionString;

    public int AmqpPort => Node.AmqpPort;

    public virtual async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        _node = await RabbitMqNode.StartAsync(CreateOptions(), timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Stops the node; its ports and data stay for <see cref="StartAgainAsync"/>.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => Node.StopAsync(cancellationToken);

    /// <summary>Starts the node again with the same ports and data (durable queues and messages survive).</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) => Node.StartAgainAsync(cancellationToken);

    public virtual async Task DisposeAsync()
    {
        if (_node is { } node)
        {
            _node = null;
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected virtual RabbitMqNodeOptions CreateOptions() => new();
}
