using System.ComponentModel.DataAnnotations;

namespace Gateway.Routing;

/// <summary>The <c>Routing</c> configuration section.</summary>
internal sealed class RoutingOptions
{
    public const string SectionName = "Routing";

    /// <summary>
    /// The catalog JSON file (<c>Routing__CatalogPath</c>). A relative path is taken from the directory the service
    /// runs from (its build output, where the default catalog.json is copied).
    /// </summary>
    [Required]
    public string CatalogPath { get; set; } = "catalog.json";

    /// <summary>How long a burst of file-change events is allowed to settle before the catalog is read again.</summary>
    [Range(0, 60_000)]
    public int ReloadDebounceMs { get; set; } = 250;

    /// <summary>
    /// How often the file's content hash is checked regardless of change events (file-change notifications are
    /// not delivered on every file system, e.g. some network or container volume mounts).
    /// </summary>
    [Range(1, 3600)]
    public int PollIntervalSeconds { get; set; } = 5;

    public string ResolveCatalogPath() =>
        Path.IsPathRooted(CatalogPath) ? CatalogPath : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, CatalogPath));
}
