using Gateway.Contracts;
using Gateway.Ingress.Tests.Fakes;
using Gateway.Ingress.Usage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Gateway.Ingress.Tests.Usage;

/// <summary>
/// The publisher's batching, spill, replay and shutdown behaviour, against a publish endpoint that fails on demand
/// (a substitute) and a real journal directory.
/// </summary>
public sealed class UsagePublisherTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "usage-publisher-tests-" + Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private static UsageRecorded Event(string id) => UsageJournalTests.Event(id);

    public void Dispose()
    {
        _metrics.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private sealed class Endpoint
    {
        public volatile bool Down;
        public readonly List<UsageRecordedBatch> Batches = [];
        public readonly IPublishEndpoint Publisher = Substitute.For<IPublishEndpoint>();

        public Endpoint()
        {
            // The Action overload the publisher calls is an extension over this interface member.
            Publisher.Publish(Arg.Any<UsageRecordedBatch>(), Arg.Any<IPipe<PublishContext<UsageRecordedBatch>>>(), Arg.Any<CancellationToken>())
                .Returns(call =>
                {
                    if (Down)
                    {
                        return Task.FromException(new InvalidOperationException("broker unreachable"));
                    }

                    lock (Batches)
                    {
                        Batches.Add(call.Arg<UsageRecordedBatch>());
                    }

                    return Task.CompletedTask;
                });
        }

        public string[] RequestIds()
        {
            lock (Batches)
            {
                return Batches.SelectMany(b => b.Events).Select(e => e.RequestId).ToArray();
            }
        }
    }

    private sealed record Instance(UsageQueue Queue, UsagePublisher Publisher, UsageJournal Journal, CapturingLoggerProvider Logs) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await Publisher.StopAsync(stop.Token);
            Publisher.Dispose();
            Journal.Dispose();
        }
    }

    private Instance Create(Endpoint endpoint, int drainSeconds = 10, int maxEvents = 256, int lingerMs = 5, long spillMaxBytes = 64L * 1024 * 1024)
    {
        var options = Options.Create(new IngressOptions
        {
            UsageQueueCapacity = 2,
            UsageDrainTimeoutSeconds = drainSeconds,
            UsageBatchMaxEvents = maxEvents,
            UsageBatchLingerMs = lingerMs,
            UsageSpillDirectory = _directory,
            UsageSpillMaxBytes = spillMaxBytes,
        });
        var logs = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var queue = new UsageQueue(options, factory.CreateLogger<UsageQueue>());
        var journal = new UsageJournal(_directory, spillMaxBytes, factory.CreateLogger<UsageJournal>());
        var metrics = new UsageMetrics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), queue, journal);
        var publisher = new UsagePublisher(queue, endpoint.Publisher, journal, metrics, options, factory.CreateLogger<UsagePublisher>());
        return new Instance(queue, publisher, journal, logs);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not reached in time");
            await Task.Delay(20);
        }
    }

    private int SegmentsOnDisk() => Directory.Exists(_directory) ? Directory.GetFiles(_directory, UsageJournal.FilePattern).Length : 0;

    [Fact]
    public async Task Publish_ManyEvents_SentAsBatchesOfAtMostTheMaximum()
    {
        var endpoint = new Endpoint();
        await using var instance = Create(endpoint, maxEvents: 4, lingerMs: 50);
        await instance.Publisher.StartAsync(CancellationToken.None);

        for (var i = 0; i < 10; i++)
        {
            instance.Queue.Record(Event($"r{i}"));
        }

        await WaitUntilAsync(() => endpoint.RequestIds().Length == 10, "all ten published");
        lock (endpoint.Batches)
        {
            Assert.All(endpoint.Batches, b => Assert.InRange(b.Events.Count, 1, 4));
            Assert.True(endpoint.Batches.Count < 10, "events were not batched");
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"r{i}").Order(), endpoint.RequestIds().Order());
        Assert.Equal(0, instance.Queue.Outstanding);
        Assert.Equal(0, SegmentsOnDisk());
    }

    [Fact]
    public async Task Publish_BrokerDown_EventsSpilledThenReplayedWhenItIsBack()
    {
        var endpoint = new Endpoint { Down = true };
        await using var instance = Create(endpoint);
        await instance.Publisher.StartAsync(CancellationToken.None);

        // More events than the channel holds: none is dropped and Record never waits.
        for (var i = 0; i < 6; i++)
        {
            instance.Queue.Record(Event($"r{i}"));
        }

        await WaitUntilAsync(() => instance.Queue.Outstanding == 0, "every event handed to the journal");
        Assert.True(instance.Journal.Bytes > 0);
        Assert.True(instance.Publisher.BrokerDown);
        Assert.Contains(instance.Logs.Lines, l => l.Contains("usage events failed", StringComparison.Ordinal));

        endpoint.Down = false;
        await WaitUntilAsync(() => endpoint.RequestIds().Distinct().Count() == 6 && SegmentsOnDisk() == 0, "the journal replayed");

        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"r{i}").Order(), endpoint.RequestIds().Distinct().Order());
        Assert.False(instance.Publisher.BrokerDown);
    }

    [Fact]
    public async Task Restart_BrokerDownDuringShutdown_NextInstanceReplaysTheJournal()
    {
        var endpoint = new Endpoint { Down = true };
        await using (var first = Create(endpoint, drainSeconds: 1))
        {
            await first.Publisher.StartAsync(CancellationToken.None);
            first.Queue.Record(Event("a"));
            first.Queue.Record(Event("b"));
            first.Queue.Record(Event("c"));
            await WaitUntilAsync(() => first.Logs.Lines.Any(l => l.Contains("usage events failed", StringComparison.Ordinal)), "a failed publish");
            first.Queue.Record(Event("d"));
        }

        Assert.Empty(endpoint.RequestIds());
        Assert.True(SegmentsOnDisk() > 0);

        endpoint.Down = false;
        await using var second = Create(endpoint);
        await second.Publisher.StartAsync(CancellationToken.None);

        await WaitUntilAsync(() => SegmentsOnDisk() == 0, "the journal replayed by the next instance");
        Assert.Equal(["a", "b", "c", "d"], endpoint.RequestIds().Distinct().Order());
    }

    [Fact]
    public async Task Stop_BrokerDownAndJournalFull_LogsHowManyEventsWereLostWithoutTheirContent()
    {
        var endpoint = new Endpoint { Down = true };
        var instance = Create(endpoint, drainSeconds: 1, spillMaxBytes: UsageJournal.HeaderSize);
        await instance.Publisher.StartAsync(CancellationToken.None);
        instance.Queue.Record(Event("secret-request-1"));
        instance.Queue.Record(Event("secret-request-2"));
        instance.Queue.Record(Event("secret-request-3"));
        await WaitUntilAsync(() => instance.Logs.Lines.Any(l => l.Contains("is full", StringComparison.Ordinal)), "the journal refused");
        Assert.Equal(3, instance.Queue.Outstanding);

        await instance.DisposeAsync();

        var lost = Assert.Single(instance.Logs.Lines, l => l.Contains("could not be published", StringComparison.Ordinal));
        Assert.Contains("Count=3", lost, StringComparison.Ordinal);
        Assert.DoesNotContain(instance.Logs.Lines, l => l.Contains("secret-request", StringComparison.Ordinal));
        Assert.Equal(0, SegmentsOnDisk());
    }

    [Fact]
    public async Task Publish_JournalFullWhileBrokerDown_EventsWaitInMemoryAndArriveWhenItIsBack()
    {
        var endpoint = new Endpoint { Down = true };
        await using var instance = Create(endpoint, spillMaxBytes: UsageJournal.HeaderSize);
        await instance.Publisher.StartAsync(CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            instance.Queue.Record(Event($"r{i}"));
        }

        await WaitUntilAsync(() => instance.Logs.Lines.Any(l => l.Contains("is full", StringComparison.Ordinal)), "the journal refused");

        endpoint.Down = false;
        await WaitUntilAsync(() => instance.Queue.Outstanding == 0, "the backlog published from memory");
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"r{i}").Order(), endpoint.RequestIds().Order());
        Assert.Equal(0, SegmentsOnDisk());
    }

    [Fact]
    public async Task Stop_BrokerBackBeforeTheDrainEnds_PublishesTheBacklog()
    {
        var endpoint = new Endpoint();
        await using var instance = Create(endpoint);
        await instance.Publisher.StartAsync(CancellationToken.None);
        instance.Queue.Record(Event("a"));
        instance.Queue.Record(Event("b"));

        await instance.Publisher.StopAsync(CancellationToken.None);

        Assert.Equal(0, instance.Queue.Outstanding);
        Assert.Equal(["a", "b"], endpoint.RequestIds().Order());
        Assert.DoesNotContain(instance.Logs.Lines, l => l.Contains("could not be published", StringComparison.Ordinal));
        Assert.Equal(0, SegmentsOnDisk());
    }
}
