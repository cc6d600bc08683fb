using Gateway.Contracts;
using Gateway.Grpc;
using Gateway.Metering.Ledger;
using Gateway.Metering.V1;
using Gateway.Redis;
using Gateway.Testing;
using Gateway.Services.Tests.Hosting;
using Grpc.Health.V1;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Services.Tests.Metering;

/// <summary>A real RabbitMQ node and redis-server for the Metering tests.</summary>
public sealed class MeteringDependencies : IAsyncLifetime
{
    public RedisFixture Redis { get; } = new();

    public RabbitMqFixture RabbitMq { get; } = new();

    public async Task InitializeAsync()
    {
        try
        {
            await Redis.InitializeAsync();
            await RabbitMq.InitializeAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await RabbitMq.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

/// <summary>
/// Metering end to end: UsageRecorded published through MassTransit on a real RabbitMQ node, consumed by the
/// service in-process, counted in a real Redis, read over real gRPC.
/// </summary>
public sealed class MeteringServiceTests(MeteringDependencies deps) : IClassFixture<MeteringDependencies>
{
    private static readonly Method<GetUsageRequest, UsageSummary> GetUsage = new(MeteringReflection.Descriptor.Services[0], "GetUsage");
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> HealthCheck = new(HealthReflection.Descriptor.Services[0], "Check");

    private static string Id(string prefix) => prefix + Guid.NewGuid().ToString("N")[..16];

    [Fact]
    public async Task Consume_SameRequestPublishedTwice_CountedOnce()
    {
        await using var metering = await StartAsync();
        await using var publisher = await Publisher.StartAsync(deps.RabbitMq.ConnectionString);
        var key = Id("key_");
        var usage = UsageCostTests.Usage(input: 1000, output: 200, cached: 400, inPrice: 150_000, outPrice: 600_000, cachedPrice: 75_000)
            with { RequestId = Id("req_"), KeyId = key, StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_763_000_000_123) };
        var sentinelKey = Id("key_");

        await publisher.Bus.Publish(usage);
        await publisher.Bus.Publish(usage);
        // Messages are consumed one at a time in order here (ConcurrentMessageLimit 1): once the sentinel is
        // counted, both copies before it have been processed.
        await publisher.Bus.Publish(UsageCostTests.Usage(input: 1) with { RequestId = Id("req_"), KeyId = sentinelKey });
        await WaitForRequestsAsync(metering, sentinelKey, 1);

        var summary = await metering.Channel.UnaryAsync(GetUsage, new GetUsageRequest { KeyId = key });
        Assert.Equal(key, summary.KeyId);
        Assert.Equal(1, summary.Requests);
        Assert.Equal(1, summary.Completed);
        Assert.Equal(1000, summary.InputTokens);
        Assert.Equal(200, summary.OutputTokens);
        Assert.Equal(400, summary.CachedInputTokens);
        // 600 * 0.15 + 400 * 0.075 + 200 * 0.6 = 90 + 30 + 120 = 240 micro-USD
        Assert.Equal(240, summary.CostMicros);
        Assert.Equal(1_763_000_000_123, summary.LastRequestUnixMs);
    }

    [Fact]
    public async Task Consume_SeveralRequestsAndOutcomes_Accumulate()
    {
        await using var metering = await StartAsync();
        await using var publisher = await Publisher.StartAsync(deps.RabbitMq.ConnectionString);
        var key = Id("key_");
        var earlier = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var later = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_500_000);

        await publisher.Bus.Publish(UsageCostTests.Usage(input: 10, output: 5, inPrice: 150_000) with { RequestId = Id("req_"), KeyId = key, StartedAt = later });
        await publisher.Bus.Publish(UsageCostTests.Usage(input: 20, output: 0) with { RequestId = Id("req_"), KeyId = key, Outcome = UsageOutcome.Aborted, StartedAt = earlier });
        await publisher.Bus.Publish(UsageCostTests.Usage(input: 30) with { RequestId = Id("req_"), KeyId = key, Outcome = UsageOutcome.Failed, StartedAt = earlier });
        await publisher.Bus.Publish(UsageCostTests.Usage(input: 1, output: 2) with
        {
            RequestId = Id("req_"), KeyId = key, ReasoningTokens = 2, CacheWriteTokens = 1, StartedAt = earlier,
        });

        var summary = await WaitForRequestsAsync(metering, key, 4);
        Assert.Equal(2, summary.Completed);
        Assert.Equal(1, summary.Aborted);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(61, summary.InputTokens);
        Assert.Equal(7, summary.OutputTokens);
        Assert.Equal(2, summary.ReasoningTokens);
        Assert.Equal(1, summary.CacheWriteTokens);
        Assert.Equal(2, summary.CostMicros); // 10 * 0.15 = 1.5 -> 2; the others are free
        Assert.Equal(later.ToUnixTimeMilliseconds(), summary.LastRequestUnixMs);
    }

    [Fact]
    public async Task Consume_Batch_EveryEventCountedOnce()
    {
        await using var metering = await StartAsync();
        await using var publisher = await Publisher.StartAsync(deps.RabbitMq.ConnectionString);
        var keyA = Id("key_");
        var keyB = Id("key_");
        var events = new List<UsageRecorded>();
        for (var i = 0; i < 300; i++)
        {
            events.Add(UsageCostTests.Usage(input: 10, output: 2, inPrice: 1_000_000) with { RequestId = Id("req_"), KeyId = i % 3 == 0 ? keyB : keyA });
        }

        // The same request twice in one batch (a replayed journal can do that) is counted once.
        events.Add(events[0]);

        await publisher.Bus.Publish(new UsageRecordedBatch { Events = events });

        var a = await WaitForRequestsAsync(metering, keyA, 200);
        var b = await WaitForRequestsAsync(metering, keyB, 100);
        Assert.Equal(200, a.Requests);
        Assert.Equal(2000, a.InputTokens);
        Assert.Equal(400, a.OutputTokens);
        Assert.Equal(2000, a.CostMicros); // 10 tokens at 1 USD per million = 10 micro-USD each
        Assert.Equal(100, b.Requests);
        Assert.Equal(1000, b.InputTokens);
    }

    [Fact]
    public async Task Consume_BatchRedeliveredAndEventsRepublishedSingly_CountedOnce()
    {
        await using var metering = await StartAsync();
        await using var publisher = await Publisher.StartAsync(deps.RabbitMq.ConnectionString);
        var key = Id("key_");
        var events = Enumerable.Range(0, 20)
            .Select(_ => UsageCostTests.Usage(input: 3, output: 1) with { RequestId = Id("req_"), KeyId = key })
            .ToArray();
        var batch = new UsageRecordedBatch { Events = events };
        var sentinelKey = Id("key_");

        await publisher.Bus.Publish(batch);
        await publisher.Bus.Publish(batch);
        // An Ingress of the previous version publishing single events for some of the same requests.
        await publisher.Bus.Publish(events[3]);
        await publisher.Bus.Publish(events[7]);
        // One message at a time, in order (ConcurrentMessageLimit 1): once the sentinel is counted, everything
        // before it has been processed.
        await publisher.Bus.Publish(new UsageRecordedBatch { Events = [UsageCostTests.Usage(input: 1) with { RequestId = Id("req_"), KeyId = sentinelKey }] });
        await WaitForRequestsAsync(metering, sentinelKey, 1);

        var summary = await metering.Channel.UnaryAsync(GetUsage, new GetUsageRequest { KeyId = key });
        Assert.Equal(20, summary.Requests);
        Assert.Equal(60, summary.InputTokens);
        Assert.Equal(20, summary.OutputTokens);
    }

    [Fact]
    public async Task Consume_BatchWithAnInvalidEvent_CountsTheOthersAndMovesTheMessageToTheErrorQueue()
    {
        await using var metering = await StartAsync();
        await using var publisher = await Publisher.StartAsync(deps.RabbitMq.ConnectionString);
        var key = Id("key_");
        var invalid = UsageCostTests.Usage(input: -1) with { RequestId = Id("req_"), KeyId = key };
        var valid = Enumerable.Range(0, 5).Select(_ => UsageCostTests.Usage(input: 4) with { RequestId = Id("req_"), KeyId = key }).ToArray();

        await publisher.Bus.Publish(new UsageRecordedBatch { Events = [valid[0], valid[1], invalid, valid[2], valid[3], valid[4]] });

        var summary = await WaitForRequestsAsync(metering, key, 5);
        Assert.Equal(5, summary.Requests);
        Assert.Equal(20, summary.InputTokens);

        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(deps.RabbitMq.ConnectionString) };
        var faulted = await Eventually.GetAsync(
            async () =>
            {
                // The error queue is declared when the first message is moved there (until then, and while the
                // quorum queue starts, the broker closes the channel or connection). Other tests' messages may sit
                // in it too: look for this batch's request id.
                try
                {
                    await using var connection = await factory.CreateConnectionAsync();
                    await using var channel = await connection.CreateChannelAsync();
                    while (await channel.BasicGetAsync("usage-recorded_error", autoAck: true) is { } message)
                    {
                        var body = System.Text.Encoding.UTF8.GetString(message.Body.Span);
                        if (body.Contains(invalid.RequestId, StringComparison.Ordinal))
                        {
                            return body;
                        }
                    }
                }
                catch (RabbitMQ.Client.Exceptions.RabbitMQClientException)
                {
                }

                return null;
            },
            body => body is not null,
            TimeSpan.FromSeconds(60),
            "the batch in usage-recorded_error");
        Assert.Contains("UsageRecordedBatch", faulted!, StringComparison.Ordinal);
        var guard = await metering.Services.GetRequiredService<RedisConnection>().ExecuteAsync("EXISTS", UsageLedger.RequestKey(invalid.RequestId));
        Assert.Equal(0, guard.AsInt64());
    }

    [Fact]
    public async Task RecordAsync_Redelivered_SecondIsNotCountedAndGuardExpiresInAWeek()
    {
        await using var metering = await StartAsync();
        var ledger = metering.Services.GetRequiredService<UsageLedger>();
        var usage = UsageCostTests.Usage(input: 5, output: 5) with { RequestId = Id("req_"), KeyId = Id("key_") };

        Assert.True(await ledger.RecordAsync(usage, CancellationToken.None));
        Assert.False(await ledger.RecordAsync(usage, CancellationToken.None));

        var totals = await ledger.GetAsync(usage.KeyId, CancellationToken.None);
        Assert.Equal(1, totals.Requests);
        Assert.Equal(5, totals.InputTokens);
        var ttl = (await metering.Services.GetRequiredService<RedisConnection>().ExecuteAsync("TTL", UsageLedger.RequestKey(usage.RequestId))).AsInt64();
        Assert.InRange(ttl, 7 * 86_400 - 60, 7 * 86_400);
    }

    [Fact]
    public async Task RecordAsync_NegativeTokens_RejectedWithoutWriting()
    {
        await using var metering = await StartAsync();
        var ledger = metering.Services.GetRequiredService<UsageLedger>();
        var usage = UsageCostTests.Usage(input: -1) with { RequestId = Id("req_"), KeyId = Id("key_") };

        await Assert.ThrowsAsync<InvalidUsageRecordException>(() => ledger.RecordAsync(usage, CancellationToken.None));

        var guard = await metering.Services.GetRequiredService<RedisConnection>().ExecuteAsync("EXISTS", UsageLedger.RequestKey(usage.RequestId));
        Assert.Equal(0, guard.AsInt64());
    }

    [Fact]
    public async Task GetUsage_KeyWithoutUsage_AllZeros()
    {
        await using var metering = await StartAsync();
        var key = Id("key_");

        var summary = await metering.Channel.UnaryAsync(GetUsage, new GetUsageRequest { KeyId = key });

        Assert.Equal(new UsageSummary { KeyId = key }, summary);
    }

    [Fact]
    public async Task Readiness_IncludesRedisAndTheBus()
    {
        await using var metering = await StartAsync();

        var registrations = metering.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckServiceOptions>>()
            .Value.Registrations.Where(r => r.Tags.Contains(Gateway.ServiceDefaults.Health.HealthTags.Ready)).Select(r => r.Name).ToList();

        Assert.Contains("redis", registrations);
        Assert.Contains(registrations, name => name.Contains("masstransit", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Start_ConsumerQueue_IsADurableQuorumQueueNamedUsageRecorded()
    {
        await using var metering = await StartAsync();
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(deps.RabbitMq.ConnectionString) };
        await using var connection = await factory.CreateConnectionAsync();

        // Redeclaring succeeds only with arguments equivalent to the existing queue's.
        await using (var channel = await connection.CreateChannelAsync())
        {
            var queue = await channel.QueueDeclareAsync(
                "usage-recorded", durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            Assert.Equal(1u, queue.ConsumerCount);
        }

        await using (var channel = await connection.CreateChannelAsync())
        {
            await Assert.ThrowsAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(() => channel.QueueDeclareAsync(
                "usage-recorded", durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "classic" }));
        }
    }

    [Fact]
    public async Task GetUsage_EmptyKeyId_InvalidArgument()
    {
        await using var metering = await StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => metering.Channel.UnaryAsync(GetUsage, new GetUsageRequest()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    private async Task<ServiceHost> StartAsync()
    {
        var host = await ServiceHost.StartAsync(
            "Gateway.Metering",
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:Redis"] = deps.Redis.ConnectionString,
                ["ConnectionStrings:RabbitMq"] = deps.RabbitMq.ConnectionString,
                ["Metering:ConcurrentMessageLimit"] = "1",
            },
            builder => Gateway.Metering.Extensions.AddApplicationServices(builder),
            app => Gateway.Metering.Extensions.MapApplicationEndpoints(app));
        try
        {
            // Ready = Redis reachable and the bus connected with its queue bound, so nothing published is lost.
            await Eventually.GetAsync(
                () => host.Channel.UnaryAsync(HealthCheck, new HealthCheckRequest()),
                r => r.Status == HealthCheckResponse.Types.ServingStatus.Serving,
                TimeSpan.FromSeconds(60),
                "Metering to be ready");
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private static Task<UsageSummary> WaitForRequestsAsync(ServiceHost metering, string key, long requests) =>
        Eventually.GetAsync(
            () => metering.Channel.UnaryAsync(GetUsage, new GetUsageRequest { KeyId = key }),
            s => s.Requests >= requests,
            TimeSpan.FromSeconds(60),
            $"{requests} requests counted for {key}");

    /// <summary>A MassTransit bus that publishes the way the Ingress does.</summary>
    private sealed class Publisher : IAsyncDisposable
    {
        private Publisher(IBusControl bus) => Bus = bus;

        public IBusControl Bus { get; }

        public static async Task<Publisher> StartAsync(string connectionString)
        {
            var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new Uri(connectionString)));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await bus.StartAsync(timeout.Token);
            return new Publisher(bus);
        }

        public async ValueTask DisposeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Bus.StopAsync(timeout.Token);
        }
    }
}
