using Gateway.Grpc;
using Gateway.Routing.Catalog;
using Gateway.Routing.V1;
using Route = Gateway.Routing.V1.Route;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Gateway.Routing.Grpc;

/// <summary><c>gateway.routing.v1.RoutingService</c>, answered from the catalog in memory.</summary>
internal sealed class RoutingGrpcService(CatalogStore catalog)
{
    private static readonly ResolveResponse NotFound = new() { Found = false };

    public static ServiceDescriptor Descriptor => RoutingReflection.Descriptor.FindTypeByName<ServiceDescriptor>("RoutingService");

    public Task<ResolveResponse> Resolve(ResolveRequest request, ServerCallContext context)
    {
        if (request.Model.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "model is required."));
        }

        var route = catalog.Current.Resolve(request.Model);
        return Task.FromResult(route is null ? NotFound : new ResolveResponse { Found = true, Route = route });
    }

    public Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) =>
        Task.FromResult(catalog.Current.Models);

    /// <summary>
    /// Sends the current snapshot at once (unless the client already holds that version), then each new version
    /// as it is loaded, until the client goes away.
    /// </summary>
    public async Task WatchCatalog(WatchCatalogRequest request, IServerStreamWriter<CatalogSnapshot> stream, ServerCallContext context)
    {
        var known = request.KnownVersion;
        var cancellationToken = context.CancellationToken;
        try
        {
            while (true)
            {
                var current = await catalog.WaitForVersionOtherThanAsync(known, cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(current.Snapshot, cancellationToken).ConfigureAwait(false);
                known = current.Version;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left (or the deadline passed): nothing more to send.
        }
    }
}
