using System.Collections.Concurrent;

namespace Gateway.Grpc.Tests.Infrastructure;

/// <summary>What the test server's handlers observed, keyed by a per-test tag, for tests to wait on.</summary>
public sealed class ServerProbe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _events = new(StringComparer.Ordinal);

    public void Record(string tag, string name) => Get(tag, name).TrySetResult();

    public bool Happened(string tag, string name) => Get(tag, name).Task.IsCompleted;

    /// <summary>Waits (bounded) for the event; throws TimeoutException naming it otherwise.</summary>
    public async Task WaitAsync(string tag, string name, TimeSpan timeout)
    {
        try
        {
            await Get(tag, name).Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The server never recorded '{name}' for call '{tag}' within {timeout}.");
        }
    }

    /// <summary>Lets a handler blocked in <see cref="GateAsync"/> go on.</summary>
    public void Release(string tag) => Record(tag, "release");

    /// <summary>Blocks (ignoring the call's cancellation, on purpose) until the test releases it, at most 30 s.</summary>
    public Task GateAsync(string tag) => Get(tag, "release").Task.WaitAsync(TimeSpan.FromSeconds(30));

    private TaskCompletionSource Get(string tag, string name) =>
        _events.GetOrAdd(tag + "\n" + name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
