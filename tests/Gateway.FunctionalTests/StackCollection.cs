using Gateway.Testing;

namespace Gateway.FunctionalTests;

/// <summary>One running stack shared by the test classes that only read from it.</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<GatewayStackFixture>
{
    public const string Name = "gateway-stack";
}
