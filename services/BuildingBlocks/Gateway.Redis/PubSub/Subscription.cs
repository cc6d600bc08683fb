namespace Gateway.Redis.PubSub;

/// <summary>One handler on one channel or pattern. Disposing it removes the handler and, when it was the last one, unsubscribes.</summary>
internal sealed class Subscription(Subscriber owner, string name, bool isPattern, Delegate handler) : IAsyncDisposable
{
    private int _disposed;

    public string Name { get; } = name;

    public bool IsPattern { get; } = isPattern;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public ValueTask InvokeAsync(string channel, RedisValue message)
    {
        if (IsDisposed)
        {
            return ValueTask.CompletedTask;
        }

        return IsPattern
            ? ((Func<string, string, RedisValue, ValueTask>)handler)(Name, channel, message)
            : ((Func<string, RedisValue, ValueTask>)handler)(channel, message);
    }

    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _disposed, 1) == 0 ? owner.RemoveAsync(this) : ValueTask.CompletedTask;
}
