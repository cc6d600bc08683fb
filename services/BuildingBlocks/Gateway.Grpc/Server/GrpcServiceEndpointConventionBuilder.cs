using Microsoft.AspNetCore.Builder;

namespace Gateway.Grpc;

/// <summary>Applies conventions (authorization, host filters, metadata) to every endpoint of a mapped service.</summary>
public sealed class GrpcServiceEndpointConventionBuilder : IEndpointConventionBuilder
{
    private readonly IReadOnlyList<IEndpointConventionBuilder> _builders;

    internal GrpcServiceEndpointConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) => _builders = builders;

    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in _builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in _builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}
