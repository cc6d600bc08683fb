namespace Gateway.Grpc.Tests.Client;

/// <summary>The in-repo client against the in-repo server.</summary>
public sealed class OurClientToOurServerTests(DotnetServerFixture server) : ClientScenarios, IClassFixture<DotnetServerFixture>
{
    protected override string Address => server.Address;

    protected override async Task AssertServerSawCancellationAsync(string tag)
    {
        var cancelled = server.Probe.WaitAsync(tag, "cancelled", Bound);
        var deadline = server.Probe.WaitAsync(tag, "deadline", Bound);
        await Task.WhenAny(cancelled, deadline);
        Assert.True(cancelled.IsCompletedSuccessfully || deadline.IsCompletedSuccessfully, $"The handler for '{tag}' never saw its token cancelled.");
    }

    protected override Task WaitUntilServerStartedAsync(string tag, GrpcChannel channel) =>
        server.Probe.WaitAsync(tag, "started", Bound);
}
