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
/// Against a real RabbitMQ node: a usage event recorded while RabbitMQ is down is published, durable, once it is
/// back; readiness follows the bus.
/// </summary>
public sealed class RabbitMqUsageTests : IAsyncLifetime
{
    private const string Exchange = "Gateway.Contracts:UsageRecorded";
    private const string Queue = "ingress-test-usage";

    private RabbitMqServer _rabbit = null!;
    private FakeOpenAiUpstream _upstream = null!;
    private readonly CapturingLoggerProvider _logs = new();
    private WebApplication? _app;

    public async Task InitializeAsync()
    {
        _rabbit = RabbitMqServer.Create();
        _upstream = await FakeOpenAiUpstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
        }

        await _upstream.DisposeAsync();
        await _rabbit.DisposeAsync();
    }

    [Fact]
    public async Task UsageRecordedWhileRabbitMqIsDown_IsPublishedDurablyWhenItIsBack()
    {
        // A durable queue bound to the event's exchange, so the event is kept until the test reads it.
        await _rabbit.StartAsync();
        await WithChannelAsync(async channel =>
        {
            await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(Queue, Exchange, routingKey: string.Empty);
        });
        await _rabbit.StopAsync();

        var fakes = new FakeDependencies(_upstream.BaseUrl, _upstream.BaseUrl, FakeOpenAiUpstream.ProviderKey);
        var builder = IngressApp.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Public:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Admin:Url"] = "http://127.0.0.1:0",
            ["Ingress:AdminToken"] = IngressFixture.AdminToken,
            ["ConnectionStrings:RabbitMq"] = _rabbit.ConnectionString,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(_logs);
        builder.Services.AddIngressDependencies(fakes, fakes, fakes, fakes, fakes);
        _app = IngressApp.Build(builder);
        await _app.StartAsync();
        using var client = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_app.Services.GetRequiredService<IngressListeners>().PublicPort}"),
            Timeout = TimeSpan.FromSeconds(60),
        };

        // RabbitMQ is down: the Ingress stays in service (readiness must not pull every replica out of a load
        // balancer during a broker outage), the request is answered anyway and its event waits.
        using (var ready = await client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using var response = await client.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), simId: "rabbit-1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = Http.RequestId(response);
        var queue = _app.Services.GetRequiredService<UsageQueue>();

        // The publisher tried, failed and keeps the event.
        var failedDeadline = DateTime.UtcNow.AddSeconds(60);
        while (!_logs.Lines.Any(l => l.Contains("usage events failed", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < failedDeadline, "the publisher never reported a failed attempt");
            await Task.Delay(100);
        }

        Assert.Equal(1, queue.Outstanding);

        await _rabbit.StartAsync();

        BasicGetResult? delivered = null;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (delivered is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the usage event did not reach RabbitMQ after it came back");
            try
            {
                await WithChannelAsync(async channel => delivered = await channel.BasicGetAsync(Queue, autoAck: true));
            }
            catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
            {
            }

            if (delivered is null)
            {
                await Task.Delay(250);
            }
        }

        Assert.True(delivered.BasicProperties.Persistent);
        var envelope = JsonNode.Parse(delivered.Body.Span)!;
        Assert.Equal(requestId, envelope["message"]!["requestId"]!.GetValue<string>());
        Assert.Contains("urn:message:Gateway.Contracts:UsageRecorded", envelope["messageType"]!.ToJsonString(), StringComparison.Ordinal);

        // The publisher counts it sent once the broker confirmed it.
        var sentDeadline = DateTime.UtcNow.AddSeconds(60);
        while (queue.Outstanding != 0)
        {
            Assert.True(DateTime.UtcNow < sentDeadline, "the publisher never saw the publish confirmed");
            await Task.Delay(50);
        }

        // Exactly once: nothing else arrives for this request.
        await WithChannelAsync(async channel => Assert.Null(await channel.BasicGetAsync(Queue, autoAck: true)));

        var readyDeadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var ready = await client.GetAsync("/health/ready");
            if (ready.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < readyDeadline, "readiness did not recover after RabbitMQ came back");
            await Task.Delay(250);
        }
    }

    private async Task WithChannelAsync(Func<IChannel, Task> action)
    {
        var factory = new ConnectionFactory { Uri = new Uri(_rabbit.ConnectionString) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await action(channel);
    }
}
