using System.Collections.Concurrent;
using Gateway.Contracts;
using MassTransit;

namespace Gateway.Ingress.Tests.Fakes;

/// <summary>Records every UsageRecorded the bus publishes, alone or in a UsageRecordedBatch (a MassTransit publish
/// observer), and lets tests wait for one.</summary>
internal sealed class UsageRecorder : IPublishObserver
{
    private readonly ConcurrentQueue<UsageRecorded> _published = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<UsageRecorded>> _waiters = new();

    public IReadOnlyCollection<UsageRecorded> Published => _published;

    public int Count(string requestId) => _published.Count(u => u.RequestId == requestId);

    public async Task<UsageRecorded> WaitForAsync(string requestId, TimeSpan? timeout = null)
    {
        var waiter = _waiters.GetOrAdd(requestId, static _ => new TaskCompletionSource<UsageRecorded>(TaskCreationOptions.RunContinuationsAsynchronously));
        var existing = _published.FirstOrDefault(u => u.RequestId == requestId);
        if (existing is not null)
        {
            return existing;
        }

        return await waiter.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context) where T : class
    {
        if (context.Message is UsageRecorded usage)
        {
            Add(usage);
        }
        else if (context.Message is UsageRecordedBatch batch)
        {
            foreach (var item in batch.Events)
            {
                Add(item);
            }
        }

        return Task.CompletedTask;
    }

    private void Add(UsageRecorded usage)
    {
        _published.Enqueue(usage);
        _waiters.GetOrAdd(usage.RequestId, static _ => new TaskCompletionSource<UsageRecorded>(TaskCreationOptions.RunContinuationsAsynchronously))
            .TrySetResult(usage);
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
