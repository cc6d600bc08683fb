using Gateway.Grpc;
using Gateway.Routing.V1;
using Gateway.Services.Tests.Hosting;

namespace Gateway.Services.Tests.Routing;

/// <summary>The Routing service in-process over a catalog file in its own temporary directory.</summary>
public sealed class RoutingHost : IAsyncDisposable
{
    public static readonly Method<ResolveRequest, ResolveResponse> Resolve = new(RoutingReflection.Descriptor.Services[0], "Resolve");
    public static readonly Method<ListModelsRequest, ListModelsResponse> ListModels = new(RoutingReflection.Descriptor.Services[0], "ListModels");
    public static readonly Method<WatchCatalogRequest, CatalogSnapshot> WatchCatalog = new(RoutingReflection.Descriptor.Services[0], "WatchCatalog");

    private RoutingHost(string directory, ServiceHost host)
    {
        Directory = directory;
        Host = host;
    }

    public string Directory { get; }

    public string CatalogPath => Path.Combine(Directory, "catalog.json");

    public ServiceHost Host { get; }

    public GrpcChannel Channel => Host.Channel;

    public static async Task<RoutingHost> StartAsync(string catalogJson, Dictionary<string, string?>? settings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "gw-routing-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "catalog.json"), catalogJson);
            var all = new Dictionary<string, string?>
            {
                ["Routing:CatalogPath"] = Path.Combine(directory, "catalog.json"),
                ["Routing:ReloadDebounceMs"] = "50",
                ["SIMULATOR_BASE_URL"] = "http://127.0.0.1:5300",
                ["SIMULATOR_API_KEY"] = "sim-key",
            };
            foreach (var (key, value) in settings ?? [])
            {
                all[key] = value;
            }

            var host = await ServiceHost.StartAsync(
                "Gateway.Routing",
                all,
                builder => Gateway.Routing.Extensions.AddApplicationServices(builder),
                app => Gateway.Routing.Extensions.MapApplicationEndpoints(app));
            return new RoutingHost(directory, host);
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Replaces the catalog the way editors and config-map updates do: write a temp file, rename over.</summary>
    public async Task ReplaceCatalogAsync(string json)
    {
        var temp = Path.Combine(Directory, "catalog.json.tmp");
        await File.WriteAllTextAsync(temp, json);
        File.Move(temp, CatalogPath, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.DisposeAsync();
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
