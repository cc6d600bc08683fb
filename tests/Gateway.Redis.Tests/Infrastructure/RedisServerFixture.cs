namespace Gateway.Redis.Tests.Infrastructure;

/// <summary>One redis-server per test class (xunit class fixture). Tests use their own keys, so they can share it.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServerProcess? _server;

    public RedisServerProcess Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public Task<RedisConnection> ConnectAsync(Action<RedisOptions>? configure = null) => Server.ConnectAsync(configure);
}

public static class TestBounds
{
    /// <summary>Upper bound for any single wait in a test: a broken test fails instead of hanging.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static Task<RedisConnection> ConnectAsync(this RedisServerProcess server, Action<RedisOptions>? configure = null)
    {
        var options = RedisOptions.Parse(server.Endpoint);
        configure?.Invoke(options);
        return RedisConnection.ConnectAsync(options).WaitAsync(Wait);
    }

    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(Wait);

    public static Task Bounded(this Task task) => task.WaitAsync(Wait);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <see cref="Wait"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            await Task.Delay(25);
        }
    }

    public static string UniqueKey(string prefix = "k") => $"{prefix}:{Guid.NewGuid():N}";
}
