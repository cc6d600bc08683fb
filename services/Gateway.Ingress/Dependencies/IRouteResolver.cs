using Gateway.Routing.V1;

namespace Gateway.Ingress.Dependencies;

/// <summary>Resolves a client-facing model name (or alias) to the upstream that serves it (the Routing service).</summary>
public interface IRouteResolver
{
    ValueTask<ResolveResponse> ResolveAsync(string model, CancellationToken ct);
}
