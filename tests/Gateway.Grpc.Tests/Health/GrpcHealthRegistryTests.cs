using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Gateway.Grpc.Tests.Health;

public sealed class GrpcHealthRegistryTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public void TryGetStatus_WholeServer_StartsServing()
    {
        var registry = new GrpcHealthRegistry();

        Assert.True(registry.TryGetStatus("", out var status));
        Assert.Equal(ServingStatus.Serving, status);
        Assert.False(registry.TryGetStatus("unknown.Service", out _));
    }

    [Fact]
    public async Task Watch_UnknownThenSetThenCleared_SeesEachStatus()
    {
        var registry = new GrpcHealthRegistry();
        using var subscription = registry.Watch("svc");

        Assert.Equal(ServingStatus.ServiceUnknown, await subscription.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        registry.SetStatus("svc", ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, await subscription.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        registry.ClearStatus("svc");
        Assert.Equal(ServingStatus.ServiceUnknown, await subscription.Reader.ReadAsync().AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Watch_SlowReader_GetsTheLatestStatus()
    {
        var registry = new GrpcHealthRegistry();
        using var subscription = registry.Watch("svc");

        registry.SetStatus("svc", ServingStatus.Serving);
        registry.SetStatus("svc", ServingStatus.NotServing);

        Assert.Equal(ServingStatus.NotServing, await subscription.Reader.ReadAsync().AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Shutdown_MarksEverythingNotServingAndEndsWatches()
    {
        var registry = new GrpcHealthRegistry();
        registry.SetStatus("svc", ServingStatus.Serving);
        using var subscription = registry.Watch("svc");
        Assert.Equal(ServingStatus.Serving, await subscription.Reader.ReadAsync().AsTask().WaitAsync(Bound));

        registry.Shutdown();
        registry.SetStatus("svc", ServingStatus.Serving); // ignored after shutdown

        Assert.Equal(ServingStatus.NotServing, await subscription.Reader.ReadAsync().AsTask().WaitAsync(Bound));
        await subscription.Reader.Completion.WaitAsync(Bound);
        Assert.True(registry.TryGetStatus("", out var overall));
        Assert.Equal(ServingStatus.NotServing, overall);
    }

    [Fact]
    public void SetStatus_ServiceUnknown_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new GrpcHealthRegistry().SetStatus("svc", ServingStatus.ServiceUnknown));
    }
}
