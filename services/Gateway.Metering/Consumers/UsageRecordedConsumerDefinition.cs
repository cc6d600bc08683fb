using Gateway.Metering.Ledger;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Gateway.Metering.Consumers;

/// <summary>
/// The <c>usage-recorded</c> endpoint: a durable quorum queue (replicated when the cluster has several nodes,
/// and safe across broker restarts), a bounded number of messages in flight, and in-memory retries at growing
/// intervals for transient failures (Redis restarting). A message that still fails lands in
/// <c>usage-recorded_error</c>, from where an operator can move it back; it is never counted twice.
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
        // 0.2 s, 1.2 s, 2.2 s, ... 7.2 s: about half a minute in all before giving up on a message.
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Incremental(8, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
            retry.Ignore<InvalidUsageRecordException>();
        });

        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.Durable = true;
            rabbit.AutoDelete = false;
            rabbit.SetQuorumQueue();
        }
    }
}
