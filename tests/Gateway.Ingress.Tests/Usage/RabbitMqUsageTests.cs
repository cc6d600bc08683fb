using System.Net;
using System.Text.Json.Nodes;
using Gateway.Ingress.Hosting;
using Gateway.Ingress.Tests.Api;
using Gateway.Ingress.Tests.Fakes;
using Gateway.Ingress.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Gateway.Ingress.Tests.Usage;

/// <summary>
/// Against a real RabbitMQ node: a usage event recorded while RabbitMQ is down is spilled to the journal on disk,
/// survives a restart of the Ingress, and is published (durable, in a UsageRecordedBatch) by the next Ingress once
/// the broker is back; readiness does not depend on the bus.
/// </summary>
public sealed class RabbitMqUsageTests : IAsyncLifetime
{
    private const string Exchange = "Gateway.Contracts:UsageRecordedBatch";
    private const string Queue = "ingress-test-usage";

    private readonly string _spillDirectory = Path.Combine(Path.GetTempPath(), "ingress-rabbit-spill-" + Guid.NewGuid().ToString("N"));
    private RabbitMqServer _rabbit = null!;
    private FakeOpenAiUpstream _upstream = null!;
    private WebApplication? _app;

    public async Task InitializeAsync()
    {
        _rabbit = RabbitMqServer.Create();
        _upstream = await FakeOpenAiUpstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAppAsync();
        await _upstream.DisposeAsync();
        await _rabbit.DisposeAsync();
        if (Directory.Exists(_spillDirectory))
        {
            Directory.Delete(_spillDirectory, recursive: true);
        }
    }

    private async Task<HttpClient> StartAppAsync(CapturingLoggerProvider logs)
    {
        var fakes = new FakeDependencies(_upstream.BaseUrl, _upstream.BaseUrl, FakeOpenAiUpstream.ProviderKey);
        var builder = IngressApp.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Public:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Admin:Url"] = "http://127.0.0.1:0",
            ["Ingress:AdminToken"] = IngressFixture.AdminToken,
            ["Ingress:UsageSpillDirectory"] = _spillDirectory,
            ["ConnectionStrings:RabbitMq"] = _rabbit.ConnectionString,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Services.AddIngressDependencies(fakes, fakes, fakes, fakes, fakes);
        _app = IngressApp.Build(builder);
        await _app.StartAsync();
        return new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_app.Services.GetRequiredService<IngressListeners>().PublicPort}"),
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    private async Task StopAppAsync()
    {
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private int SegmentsOnDisk() => Directory.Exists(_spillDirectory) ? Directory.GetFiles(_spillDirectory, UsageJournal.FilePattern).Length : 0;

    [Fact]
    public async Task UsageRecordedWhileRabbitMqIsDown_SurvivesAnIngressRestartAndIsPublishedWhenItIsBack()
    {
        // A durable queue bound to the batch exchange, so what is published is kept until the test reads it.
        await _rabbit.StartAsync();
        await WithChannelAsync(async channel =>
        {
            await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(Queue, Exchange, routingKey: string.Empty);
        });
        await _rabbit.StopAsync();

        var logs = new CapturingLoggerProvider();
        string requestId;
        using (var client = await StartAppAsync(logs))
        {
            // RabbitMQ is down: the Ingress stays in service (readiness must not pull every replica out of a load
            // balancer during a broker outage), the request is answered anyway and its event is spilled to disk.
            using (var ready = await client.GetAsync("/health/ready"))
            {
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            }

            using var response = await client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), simId: "rabbit-1"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            requestId = Http.RequestId(response);
            var queue = _app!.Services.GetRequiredService<UsageQueue>();

            var spilledDeadline = DateTime.UtcNow.AddSeconds(60);
            while (queue.Outstanding != 0)
            {
                Assert.True(DateTime.UtcNow < spilledDeadline, "the event was neither published nor spilled");
                await Task.Delay(100);
            }

            Assert.Contains(logs.Lines, l => l.Contains("usage events failed", StringComparison.Ordinal));
            Assert.True(_app.Services.GetRequiredService<UsageJournal>().Bytes > UsageJournal.HeaderSize);
        }

        // The Ingress restarts while the broker is still down: the event is only on disk now.
        await StopAppAsync();
        Assert.True(SegmentsOnDisk() > 0);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("are lost", StringComparison.Ordinal));

        await _rabbit.StartAsync();
        var secondLogs = new CapturingLoggerProvider();
        using var second = await StartAppAsync(secondLogs);

        var batches = new List<JsonNode>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (SegmentsOnDisk() > 0 || batches.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the journal was not replayed after RabbitMQ came back");
            try
            {
                await WithChannelAsync(async channel =>
                {
                    while (await channel.BasicGetAsync(Queue, autoAck: true) is { } delivered)
                    {
                        Assert.True(delivered.BasicProperties.Persistent);
                        batches.Add(JsonNode.Parse(delivered.Body.Span)!);
                    }
                });
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
            {
            }

            await Task.Delay(250);
        }

        var envelope = Assert.Single(batches);
        Assert.Contains("urn:message:Gateway.Contracts:UsageRecordedBatch", envelope["messageType"]!.ToJsonString(), StringComparison.Ordinal);
        var usage = Assert.Single(envelope["message"]!["events"]!.AsArray());
        Assert.Equal(requestId, usage!["requestId"]!.GetValue<string>());
        Assert.Contains(secondLogs.Lines, l => l.Contains("Replayed 1 usage events", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UsageRecordedBeforeAnyQueueIsBound_IsSpilledInsteadOfDroppedAndPublishedOnceOneIs()
    {
        // The broker is up but nothing consumes batches yet (Metering of an older version, or not deployed): a batch
        // would be unroutable. Published as mandatory, it comes back, so it is kept in the journal.
        await _rabbit.StartAsync();
        var logs = new CapturingLoggerProvider();
        using var client = await StartAppAsync(logs);
        using var response = await client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), simId: "rabbit-2"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = Http.RequestId(response);

        var journal = _app!.Services.GetRequiredService<UsageJournal>();
        var spilledDeadline = DateTime.UtcNow.AddSeconds(60);
        while (journal.Bytes <= UsageJournal.HeaderSize)
        {
            Assert.True(DateTime.UtcNow < spilledDeadline, "the unroutable batch was not spilled");
            await Task.Delay(100);
        }

        Assert.Contains(logs.Lines, l => l.Contains("returned", StringComparison.OrdinalIgnoreCase));

        await WithChannelAsync(async channel =>
        {
            await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(Queue, Exchange, routingKey: string.Empty);
        });

        var ids = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!ids.Contains(requestId) || SegmentsOnDisk() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the spilled batch was not replayed once a queue was bound");
            await WithChannelAsync(async channel =>
            {
                while (await channel.BasicGetAsync(Queue, autoAck: true) is { } delivered)
                {
                    foreach (var usage in JsonNode.Parse(delivered.Body.Span)!["message"]!["events"]!.AsArray())
                    {
                        ids.Add(usage!["requestId"]!.GetValue<string>());
                    }
                }
            });
            await Task.Delay(250);
        }

        Assert.Contains(requestId, ids);
    }

    private async Task WithChannelAsync(Func<IChannel, Task> action)
    {
        var factory = new ConnectionFactory { Uri = new Uri(_rabbit.ConnectionString) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await action(channel);
    }
}
