using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Gateway.Routing.Catalog;

/// <summary>
/// The current catalog, swapped atomically on reload, and a way to wait for the next one. A reload that fails
/// keeps the catalog in force and logs why; the first load at start must succeed.
/// </summary>
internal sealed partial class CatalogStore(
    IOptions<RoutingOptions> options, IConfiguration configuration, IMeterFactory meterFactory, ILogger<CatalogStore> logger)
{
    public const string MeterName = "Gateway.Routing";

    /// <summary>The catalog and the signal completed when it is replaced, swapped together.</summary>
    private sealed record State(ModelCatalog Catalog, TaskCompletionSource Replaced);

    private readonly Lock _reloadLock = new();
    private readonly string _path = options.Value.ResolveCatalogPath();
    private State? _state;
    private byte[]? _fileHash;
    private readonly Counter<long> _loads = meterFactory.Create(MeterName).CreateCounter<long>(
        "gateway.routing.catalog.reloads", unit: "{reload}", description: "Changed catalog files read after start, by result.");

    public string Path => _path;

    public bool IsLoaded => Volatile.Read(ref _state) is not null;

    /// <exception cref="InvalidOperationException">Before <see cref="LoadInitial"/>.</exception>
    public ModelCatalog Current => (Volatile.Read(ref _state) ?? throw new InvalidOperationException("The catalog is not loaded yet.")).Catalog;

    /// <summary>Loads the catalog at start; any problem stops the service with a message naming it.</summary>
    public void LoadInitial()
    {
        lock (_reloadLock)
        {
            byte[] content;
            try
            {
                content = File.ReadAllBytes(_path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CatalogException($"The catalog file '{_path}' (Routing__CatalogPath) cannot be read: {ex.Message}", ex);
            }

            var catalog = CatalogParser.Parse(content, Lookup);
            _fileHash = SHA256.HashData(content);
            Volatile.Write(ref _state, new State(catalog, NewSignal()));
            LogLoaded(logger, catalog.Entries.Count, catalog.Version, _path);
            LogDisabled(catalog);
        }
    }

    /// <summary>
    /// Reads the file again; when its bytes changed and it is valid, replaces the catalog (waking the watchers
    /// if the served content changed). Returns true when a new catalog version is in force.
    /// </summary>
    public bool Reload()
    {
        lock (_reloadLock)
        {
            byte[] content;
            try
            {
                content = File.ReadAllBytes(_path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Typically the file is being replaced right now; the next event or poll tries again.
                LogReadFailed(logger, _path, ex.Message);
                return false;
            }

            var hash = SHA256.HashData(content);

            if (_fileHash is not null && hash.AsSpan().SequenceEqual(_fileHash))
            {
                return false;
            }

            _fileHash = hash;
            ModelCatalog catalog;
            try
            {
                catalog = CatalogParser.Parse(content, Lookup);
            }
            catch (CatalogException ex)
            {
                LogReloadRejected(logger, _path, ex.Message);
                _loads.Add(1, new KeyValuePair<string, object?>("gateway.routing.result", "rejected"));
                return false;
            }

            var previous = Volatile.Read(ref _state)!;
            if (catalog.Version == previous.Catalog.Version)
            {
                return false;
            }

            Volatile.Write(ref _state, new State(catalog, NewSignal()));
            previous.Replaced.TrySetResult();
            _loads.Add(1, new KeyValuePair<string, object?>("gateway.routing.result", "loaded"));
            LogLoaded(logger, catalog.Entries.Count, catalog.Version, _path);
            LogDisabled(catalog);
            return true;
        }
    }

    /// <summary>Returns the current catalog as soon as its version differs from <paramref name="knownVersion"/>.</summary>
    public async Task<ModelCatalog> WaitForVersionOtherThanAsync(long knownVersion, CancellationToken cancellationToken)
    {
        while (true)
        {
            var state = Volatile.Read(ref _state) ?? throw new InvalidOperationException("The catalog is not loaded yet.");
            if (state.Catalog.Version != knownVersion)
            {
                return state.Catalog;
            }

            await state.Replaced.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Placeholders and key variables come from configuration, which includes every environment variable.
    private string? Lookup(string name) => configuration[name];

    private void LogDisabled(ModelCatalog catalog)
    {
        foreach (var entry in catalog.Disabled)
        {
            // A model disabled because its provider is has been covered by the provider's line.
            if (entry.Kind == "provider")
            {
                LogProviderDisabled(logger, entry.Id, entry.Reason);
            }
            else if (!entry.Reason.StartsWith("provider ", StringComparison.Ordinal))
            {
                LogModelDisabled(logger, entry.Id, entry.Reason);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog loaded from {Path}: {Count} models served, version {Version}")]
    private static partial void LogLoaded(ILogger logger, int count, long version, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provider {ProviderId} is disabled and its models are not served: {Reason}")]
    private static partial void LogProviderDisabled(ILogger logger, string providerId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelId} is not served: {Reason}")]
    private static partial void LogModelDisabled(ILogger logger, string modelId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The changed catalog {Path} was rejected; the previous catalog stays in force. {Reason}")]
    private static partial void LogReloadRejected(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The catalog {Path} could not be read: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string path, string reason);
}
