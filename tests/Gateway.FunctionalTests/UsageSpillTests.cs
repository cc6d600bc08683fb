using System.ClientModel;
using System.ClientModel.Primitives;
using Gateway.AppHost;
using Gateway.AppHost.Hosting;
using Gateway.Testing;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.FunctionalTests;

/// <summary>A stack of its own whose Ingress keeps its usage journal in a private directory.</summary>
public sealed class SpillStackFixture : GatewayStackFixture
{
    public string SpillDirectory { get; } = Path.Combine(Path.GetTempPath(), "gateway-spill-test-" + Guid.NewGuid().ToString("N"));

    protected override void Configure(DistributedApplicationOptions options)
    {
        base.Configure(options);
        // Room for the Ingress's drain (below) and the bus stop after SIGTERM, so a stop is graceful.
        options.StopGrace = TimeSpan.FromSeconds(30);
    }

    protected override void ConfigureStack(GatewayStackResources stack)
    {
        stack.Ingress
            .WithEnvironment("Ingress__UsageSpillDirectory", SpillDirectory)
            .WithEnvironment("Ingress__UsageDrainTimeoutSeconds", "3");
    }

    public int Segments() => Directory.Exists(SpillDirectory) ? Directory.GetFiles(SpillDirectory, "usage-*.journal").Length : 0;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(SpillDirectory))
        {
            Directory.Delete(SpillDirectory, recursive: true);
        }
    }
}

/// <summary>
/// The whole system: usage recorded while RabbitMQ is down is spilled to the Ingress's journal on disk, survives a
/// restart of the Ingress process, is replayed once the broker is back, and Metering counts every event once.
/// </summary>
public sealed class UsageSpillTests(SpillStackFixture stack) : IClassFixture<SpillStackFixture>
{
    [Fact]
    public async Task CompleteChat_RabbitMqDownAndIngressRestarted_EveryEventCountedOnceFromTheJournal()
    {
        var key = await stack.CreateKeyAsync();
        var client = new ChatClient("sim-gpt", new ApiKeyCredential(key.ApiKey), new OpenAIClientOptions
        {
            Endpoint = stack.OpenAiBaseUrl,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(30),
        });

        const int Requests = 5;
        long outputTokens = 0;
        await stack.App.StopResourceAsync("rabbitmq");
        try
        {
            for (var i = 0; i < Requests; i++)
            {
                ChatCompletion answered = await client.CompleteChatAsync([new UserChatMessage($"broker is down {i}")]);
                outputTokens += answered.Usage.OutputTokenCount;
            }

            // The Ingress stops while the broker is still down: what it could not publish goes to the journal.
            await stack.App.StopResourceAsync("ingress");
            Assert.True(stack.Segments() > 0, "nothing was spilled to " + stack.SpillDirectory);
        }
        finally
        {
            await stack.App.StartResourceAsync("rabbitmq");
        }

        // A new Ingress process replays the journal it finds.
        await stack.App.StartResourceAsync("ingress");

        var usage = await Eventually.WaitForAsync(
            () => stack.GetUsageAsync(key.KeyId),
            u => u.GetProperty("requests").GetInt64() >= Requests,
            "the usage spilled while RabbitMQ was down",
            TimeSpan.FromSeconds(120));
        await Eventually.WaitForAsync(() => Task.FromResult(stack.Segments()), n => n == 0, "the journal emptied", TimeSpan.FromSeconds(60));

        // Counted once each, even if a replay published something twice; nothing more arrives after the journal is empty.
        usage = await stack.GetUsageAsync(key.KeyId);
        Assert.Equal(Requests, usage.GetProperty("requests").GetInt64());
        Assert.Equal(outputTokens, usage.GetProperty("outputTokens").GetInt64());
    }
}
