using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Security.Cryptography;
using Google.Protobuf;
using Gateway.Routing.V1;
using Route = Gateway.Routing.V1.Route;

namespace Gateway.Routing.Catalog;

/// <summary>
/// One loaded catalog: the served models with their routes, an id/alias index and the prebuilt wire messages
/// (built once per load, never mutated afterwards, so every call can hand out the same instances).
/// <para>
/// Model ids and aliases are matched exactly and case-sensitively (ordinal), as OpenAI matches model ids:
/// "gpt-4o-mini" and "GPT-4o-mini" are different names.
/// </para>
/// </summary>
internal sealed class ModelCatalog
{
    private readonly FrozenDictionary<string, Route> _routes;

    public ModelCatalog(IReadOnlyList<CatalogEntry> entries, IReadOnlyList<DisabledEntry> disabled)
    {
        Entries = entries;
        Disabled = disabled;

        var routes = new Dictionary<string, Route>(StringComparer.Ordinal);
        var list = new ListModelsResponse();
        var snapshot = new CatalogSnapshot();
        foreach (var entry in entries)
        {
            routes[entry.Info.Id] = entry.Route;
            foreach (var alias in entry.Info.Aliases)
            {
                routes[alias] = entry.Route;
            }

            list.Models.Add(entry.Info);
            snapshot.Entries.Add(entry);
        }

        _routes = routes.ToFrozenDictionary(StringComparer.Ordinal);
        Models = list;

        // The version is a hash of the content, so every replica that loads the same file in the same environment
        // announces the same version, and an unchanged reload announces nothing.
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(snapshot.ToByteArray(), hash);
        var version = (long)(BinaryPrimitives.ReadUInt64BigEndian(hash) & long.MaxValue);
        Version = version == 0 ? 1 : version;
        snapshot.Version = Version;
        Snapshot = snapshot;
    }

    /// <summary>The served models in catalog order.</summary>
    public IReadOnlyList<CatalogEntry> Entries { get; }

    /// <summary>Providers and models that are defined but not served, and why.</summary>
    public IReadOnlyList<DisabledEntry> Disabled { get; }

    public long Version { get; }

    public CatalogSnapshot Snapshot { get; }

    public ListModelsResponse Models { get; }

    /// <summary>The route for a model id or alias (exact, case-sensitive), or null.</summary>
    public Route? Resolve(string model) => _routes.GetValueOrDefault(model);
}

/// <summary>A provider or model that is defined but not served (e.g. its key variable is unset).</summary>
internal sealed record DisabledEntry(string Kind, string Id, string Reason);
