using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Gateway.Routing.Catalog;

/// <summary>
/// Loads the catalog when the service starts (failing the start if it is invalid), then reloads it when the file
/// changes: file-system notifications, debounced, plus a periodic check of the file's hash for file systems
/// that deliver no notifications. <see cref="CatalogStore.Reload"/> does nothing when the bytes are unchanged.
/// </summary>
internal sealed partial class CatalogWatcher(CatalogStore store, IOptions<RoutingOptions> options, ILogger<CatalogWatcher> logger)
    : BackgroundService
{
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        store.LoadInitial();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var watcher = CreateWatcher();
        var debounce = TimeSpan.FromMilliseconds(options.Value.ReloadDebounceMs);
        var poll = TimeSpan.FromSeconds(options.Value.PollIntervalSeconds);
        // One pending wait for a change at a time, carried across poll ticks until it fires.
        Task<bool>? signal = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                signal ??= _changes.Reader.WaitToReadAsync(stoppingToken).AsTask();
                using (var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    var delay = Task.Delay(poll, tick.Token);
                    var first = await Task.WhenAny(signal, delay).ConfigureAwait(false);
                    await tick.CancelAsync().ConfigureAwait(false);
                    stoppingToken.ThrowIfCancellationRequested();
                    if (first == signal)
                    {
                        signal = null;
                        // Let a burst of events (truncate, write, rename) settle, then read once.
                        await Task.Delay(debounce, stoppingToken).ConfigureAwait(false);
                        while (_changes.Reader.TryRead(out _))
                        {
                        }
                    }
                }

                store.Reload();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private FileSystemWatcher? CreateWatcher()
    {
        var directory = System.IO.Path.GetDirectoryName(store.Path)!;
        try
        {
            var watcher = new FileSystemWatcher(directory, System.IO.Path.GetFileName(store.Path))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += OnChanged;
            watcher.Created += OnChanged;
            watcher.Renamed += OnChanged;
            watcher.Deleted += OnChanged;
            watcher.Error += (_, e) => LogWatcherError(logger, e.GetException().Message);
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // E.g. the inotify instance limit: the periodic check still picks changes up.
            LogWatcherUnavailable(logger, directory, ex.Message);
            return null;
        }
    }

    private void OnChanged(object sender, FileSystemEventArgs e) => _changes.Writer.TryWrite(true);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot watch {Directory} for catalog changes ({Reason}); relying on the periodic check")]
    private static partial void LogWatcherUnavailable(ILogger logger, string directory, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The catalog file watcher failed ({Reason}); relying on the periodic check")]
    private static partial void LogWatcherError(ILogger logger, string reason);
}
