using Gateway.Contracts;
using Gateway.Ingress.Tests.Fakes;
using Gateway.Ingress.Usage;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Gateway.Ingress.Tests.Usage;

/// <summary>The publisher's retry and shutdown behaviour, against a publish endpoint that fails on demand (pure unit).</summary>
public sealed class UsagePublisherTests
{
    private static UsageRecorded Event(string id) => new()
    {
        RequestId = id,
        TenantId = "t",
        KeyId = "k",
        Model = "m",
        ProviderId = "p",
        UpstreamModel = "u",
        Surface = "openai.chat",
        Outcome = UsageOutcome.Completed,
        StartedAt = DateTimeOffset.UnixEpoch,
    };

    private sealed class Endpoint
    {
        public int FailuresLeft;
        public readonly List<string> Published = [];
        public readonly IPublishEndpoint Publisher = Substitute.For<IPublishEndpoint>();

        public Endpoint()
        {
            // The Action overload the publisher calls is an extension over this interface member.
            Publisher.Publish(Arg.Any<UsageRecorded>(), Arg.Any<IPipe<PublishContext<UsageRecorded>>>(), Arg.Any<CancellationToken>())
                .Returns(call =>
                {
                    lock (Published)
                    {
                        if (FailuresLeft > 0)
                        {
                            FailuresLeft--;
                            return Task.FromException(new InvalidOperationException("broker unreachable"));
                        }

                        Published.Add(call.Arg<UsageRecorded>().RequestId);
                        return Task.CompletedTask;
                    }
                });
        }
    }

    private static (UsageQueue Queue, UsagePublisher Publisher, CapturingLoggerProvider Logs) Create(Endpoint endpoint, int drainSeconds = 10)
    {
        var options = Options.Create(new IngressOptions { UsageQueueCapacity = 2, UsageDrainTimeoutSeconds = drainSeconds });
        var logs = new CapturingLoggerProvider();
        var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var queue = new UsageQueue(options, factory.CreateLogger<UsageQueue>());
        var publisher = new UsagePublisher(queue, endpoint.Publisher, options, factory.CreateLogger<UsagePublisher>());
        return (queue, publisher, logs);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Publish_BrokerFailsSeveralTimes_EveryEventArrivesOnce()
    {
        var endpoint = new Endpoint { FailuresLeft = 5 };
        var (queue, publisher, _) = Create(endpoint);
        await publisher.StartAsync(CancellationToken.None);

        // More events than the channel holds: the extra ones are parked, not dropped, and Record never waits.
        for (var i = 0; i < 6; i++)
        {
            queue.Record(Event($"r{i}"));
        }

        await WaitUntilAsync(() => queue.Outstanding == 0);
        await publisher.StopAsync(CancellationToken.None);
        lock (endpoint.Published)
        {
            Assert.Equal(["r0", "r1", "r2", "r3", "r4", "r5"], endpoint.Published.Order().ToArray());
        }
    }

    [Fact]
    public async Task Stop_BrokerDown_LogsHowManyEventsWereLostWithoutTheirContent()
    {
        var endpoint = new Endpoint { FailuresLeft = int.MaxValue };
        var (queue, publisher, logs) = Create(endpoint, drainSeconds: 1);
        await publisher.StartAsync(CancellationToken.None);
        queue.Record(Event("secret-request-1"));
        queue.Record(Event("secret-request-2"));
        queue.Record(Event("secret-request-3"));
        await WaitUntilAsync(() => logs.Lines.Any(l => l.Contains("Publishing", StringComparison.Ordinal)));

        await publisher.StopAsync(CancellationToken.None);

        var lost = Assert.Single(logs.Lines, l => l.Contains("could not be published", StringComparison.Ordinal));
        Assert.Contains("Count=3", lost, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("secret-request", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_BrokerBackBeforeTheDrainEnds_PublishesTheBacklog()
    {
        var endpoint = new Endpoint { FailuresLeft = int.MaxValue };
        var (queue, publisher, logs) = Create(endpoint);
        await publisher.StartAsync(CancellationToken.None);
        queue.Record(Event("a"));
        queue.Record(Event("b"));
        await WaitUntilAsync(() => logs.Lines.Any(l => l.Contains("Publishing", StringComparison.Ordinal)));

        lock (endpoint.Published)
        {
            endpoint.FailuresLeft = 0;
        }

        await publisher.StopAsync(CancellationToken.None);
        Assert.Equal(0, queue.Outstanding);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("could not be published", StringComparison.Ordinal));
    }
}
