namespace Gateway.Grpc.Tests.Client;

/// <summary>The in-repo client against @grpc/grpc-js (tests/interop/server.js).</summary>
public sealed class OurClientToNodeServerTests(NodeServerFixture server) : ClientScenarios, IClassFixture<NodeServerFixture>
{
    protected override string Address => server.Address;

    protected override Task AssertServerSawCancellationAsync(string tag) => server.WaitForCancelledAsync(tag);

    protected override Task WaitUntilServerStartedAsync(string tag, GrpcChannel channel) => server.WaitForStartedAsync(tag);
}
