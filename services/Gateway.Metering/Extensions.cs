using Gateway.Grpc;
using Gateway.Metering.Consumers;
using Gateway.Metering.Grpc;
using Gateway.Metering.Ledger;
using Gateway.Redis;
using MassTransit;

namespace Gateway.Metering;

public static class Extensions
{
    /// <summary>
    /// Everything Metering needs beyond the service defaults: Redis, the ledger, the MassTransit RabbitMQ consumer
    /// of UsageRecordedBatch and UsageRecorded (<c>ConnectionStrings__RabbitMq</c>, an amqp:// URI) and gRPC.
    /// </summary>
    public static WebApplicationBuilder AddApplicationServices(this WebApplicationBuilder builder)
    {
        builder.AddGrpcServiceDefaults(MeteringGrpcService.Descriptor);
        builder.Services.AddRedis("Redis");
        builder.Services.AddValidatedOptions<MeteringOptions>(builder.Configuration.GetSection(MeteringOptions.SectionName));
        builder.Services.AddSingleton<MeteringMetrics>();
        builder.Services.AddSingleton<UsageLedger>();
        builder.Services.AddScoped<MeteringGrpcService>();

        var rabbitMq = builder.Configuration.GetConnectionString("RabbitMq");
        if (string.IsNullOrWhiteSpace(rabbitMq) || !Uri.TryCreate(rabbitMq, UriKind.Absolute, out var rabbitMqUri))
        {
            throw new InvalidOperationException(
                "ConnectionStrings__RabbitMq must be an amqp:// URI, e.g. amqp://guest:guest@127.0.0.1:5672/.");
        }

        // The bus registers a health check tagged "ready": the service is not ready until it is connected.
        builder.Services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            // One queue (usage-recorded) for both: batches from current Ingresses, single events from older ones.
            bus.AddConsumer<UsageRecordedBatchConsumer, UsageRecordedBatchConsumerDefinition>();
            bus.AddConsumer<UsageRecordedConsumer, UsageRecordedConsumerDefinition>();
            bus.AddConfigureEndpointsCallback((_, queueName, endpoint) => UsageEndpoint.Configure(queueName, endpoint));
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(rabbitMqUri);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    /// <summary>Maps <c>gateway.metering.v1.MeteringService</c>.</summary>
    public static WebApplication MapApplicationEndpoints(this WebApplication app)
    {
        app.MapGrpcService<MeteringGrpcService>(MeteringGrpcService.Descriptor);
        return app;
    }
}
