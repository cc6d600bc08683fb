using Gateway.Metering.Ledger;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Gateway.Metering.Consumers;

/// <summary>
/// The <c>usage-recorded</c> endpoint: a durable quorum queue (replicated when the cluster has several nodes,
/// and safe across broker restarts), a bounded number of messages in flight, and in-memory retries at growing
/// intervals for transient failures (Redis restarting). A message that still fails lands in
/// <c>usage-recorded_error</c>, from where an operator can move it back; it is never counted twice.
/// <para>
/// Both consumers share the queue: <see cref="UsageRecordedBatchConsumer"/> (what current Ingresses publish) and
/// <see cref="UsageRecordedConsumer"/> (single events, from Ingresses of an older version during a rolling upgrade).
/// The queue is bound to both message types' exchanges. The Ingress publishes batches as mandatory, so a batch
/// published before this queue is bound to the batch exchange comes back to it and is kept in its journal.
/// </para>
/// </summary>
internal sealed class UsageRecordedConsumerDefinition : ConsumerDefinition<UsageRecordedConsumer>
{
    public const string QueueName = "usage-recorded";

    public UsageRecordedConsumerDefinition(IOptions<MeteringOptions> options)
    {
        EndpointName = QueueName;
        ConcurrentMessageLimit = options.Value.ConcurrentMessageLimit;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<UsageRecordedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        UsageEndpoint.ConfigureRetry(consumerConfigurator);
    }
}

/// <summary>The batch consumer on the same <c>usage-recorded</c> queue (see <see cref="UsageRecordedConsumerDefinition"/>).</summary>
internal sealed class UsageRecordedBatchConsumerDefinition : ConsumerDefinition<UsageRecordedBatchConsumer>
{
    public UsageRecordedBatchConsumerDefinition(IOptions<MeteringOptions> options)
    {
        EndpointName = UsageRecordedConsumerDefinition.QueueName;
        ConcurrentMessageLimit = options.Value.ConcurrentMessageLimit;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<UsageRecordedBatchConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        UsageEndpoint.ConfigureRetry(consumerConfigurator);
    }
}

/// <summary>The shared endpoint's queue settings, and the retry of each usage consumer (per consumer, so the two
/// definitions do not stack two retry filters on the endpoint).</summary>
internal static class UsageEndpoint
{
    /// <summary>
    /// Registered as a configure-endpoints callback, which runs before any consumer is added to the endpoint: the
    /// queue settings must be fixed before the first consumer binds (MassTransit refuses changes after that), and set
    /// once for the two consumers.
    /// </summary>
    public static void Configure(string queueName, IReceiveEndpointConfigurator endpointConfigurator)
    {
        if (queueName == UsageRecordedConsumerDefinition.QueueName && endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.Durable = true;
            rabbit.AutoDelete = false;
            rabbit.SetQuorumQueue();
        }
    }

    public static void ConfigureRetry<TConsumer>(IConsumerConfigurator<TConsumer> consumerConfigurator)
        where TConsumer : class
    {
        // 0.2 s, 1.2 s, 2.2 s, ... 7.2 s: about half a minute in all before giving up on a message.
        consumerConfigurator.UseMessageRetry(retry =>
        {
            retry.Incremental(8, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
            retry.Ignore<InvalidUsageRecordException>();
        });
    }
}
