using Gateway.Routing.V1;

namespace Gateway.Ingress.Dependencies;

/// <summary>The model catalog (the Routing service): resolves a client-facing model name (or alias) to the upstream
/// that serves it, and lists the public models with their aliases.</summary>
public interface IRouteResolver
{
    ValueTask<ResolveResponse> ResolveAsync(string model, CancellationToken ct);

    ValueTask<ListModelsResponse> ListModelsAsync(CancellationToken ct);
}
