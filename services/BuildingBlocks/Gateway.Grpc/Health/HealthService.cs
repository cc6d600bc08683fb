using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Gateway.Grpc.Health;

/// <summary>grpc.health.v1.Health over <see cref="GrpcHealthRegistry"/>, bound like any other service.</summary>
internal sealed class HealthService(GrpcHealthRegistry registry)
{
    public Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        if (registry.TryGetStatus(request.Service, out var status))
        {
            return Task.FromResult(new HealthCheckResponse { Status = status });
        }

        throw new RpcException(new Status(StatusCode.NotFound, $"Service '{request.Service}' is unknown."));
    }

    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        using var subscription = registry.Watch(request.Service);
        ServingStatus? last = null;
        await foreach (var status in subscription.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            if (status != last)
            {
                await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
                last = status;
            }
        }
    }
}
