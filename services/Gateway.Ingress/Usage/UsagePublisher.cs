using System.Threading.Channels;
using Gateway.Contracts;
using Gateway.Ingress.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Usage;

/// <summary>
/// Drains <see cref="UsageQueue"/> into RabbitMQ as <see cref="UsageRecordedBatch"/> messages (up to
/// <c>Ingress:UsageBatchMaxEvents</c> events, or what arrived within <c>Ingress:UsageBatchLingerMs</c>), durable and
/// confirmed by the broker, mandatory (an unroutable batch fails instead of vanishing). When a publish fails (broker
/// down, no confirm within <see cref="PublishTimeout"/>, returned as unroutable) the
/// batch goes to the <see cref="UsageJournal"/> on disk, and so does every following batch, without waiting on the
/// broker, until a replay of the journal succeeds; the replay loop retries with exponential backoff, publishes
/// each segment and deletes it once every batch of it is confirmed. Journal segments left by an earlier process are
/// replayed at start. Replay is at least once: Metering counts each request id once.
/// <para>
/// When the journal is at its bound (or cannot be written) a batch stays in memory and its publish is retried with
/// backoff; producers never wait (<see cref="UsageQueue"/> parks what does not fit). On shutdown the publisher keeps
/// publishing for at most <c>Ingress:UsageDrainTimeoutSeconds</c>, then spills what is left; only what the journal
/// cannot take then is lost, and logged as a count.
/// </para>
/// </summary>
internal sealed class UsagePublisher(
    UsageQueue queue,
    IPublishEndpoint publisher,
    UsageJournal journal,
    UsageMetrics metrics,
    IOptions<IngressOptions> options,
    ILogger<UsagePublisher> logger) : IHostedService, IDisposable
{
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>How often the replay loop looks for segments left by other processes sharing the directory.</summary>
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long shutdown waits for parked events to enter the queue before it closes it.</summary>
    private static readonly TimeSpan ParkedGrace = TimeSpan.FromSeconds(2);

    private readonly int _maxEvents = options.Value.UsageBatchMaxEvents;
    private readonly TimeSpan _linger = TimeSpan.FromMilliseconds(options.Value.UsageBatchLingerMs);
    private readonly List<UsageRecorded> _batch = new(options.Value.UsageBatchMaxEvents);
    private readonly Channel<bool> _wakeReplay = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private Task? _running;
    private volatile bool _brokerDown;
    private bool _spillRejectedLogged;
    private Exception? _lastError;
    private Exception? _lastReplayError;

    /// <summary>True while publishes go to the journal because the last one failed and no replay succeeded since.</summary>
    internal bool BrokerDown => _brokerDown;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Not a BackgroundService: its loop would not run at all (and so not drain) if the host stopped right after
        // starting; this loop always runs, and always drains.
        _running = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops publishing from memory and drains (publish, then spill) within the drain timeout.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_running is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var replay = Task.Run(() => ReplayLoopAsync(stoppingToken), CancellationToken.None);
        try
        {
            await PumpAsync(untilEmpty: false, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await replay.ConfigureAwait(false);
        await DrainAsync().ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        long handled = 0;
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.UsageDrainTimeoutSeconds));
        try
        {
            // Requests have finished by now (the server stops before this service): publish what is queued or
            // parked, then close the queue and publish anything that raced in.
            handled += await PumpAsync(untilEmpty: true, drain.Token).ConfigureAwait(false);
            queue.Complete();
            handled += await PumpAsync(untilEmpty: true, drain.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
        }

        // Out of time (RabbitMQ slow or down with a full journal): spill what is left without waiting on the broker.
        var spilled = await SpillRemainingAsync().ConfigureAwait(false);
        var lost = _batch.Count + queue.Reader.Count + queue.Parked + queue.LostAfterClose;
        if (lost > 0)
        {
            metrics.Lost(lost);
            Log.UsageLostOnShutdown(logger, lost);
        }

        if (spilled > 0)
        {
            UsageLog.SpilledOnShutdown(logger, spilled, journal.DirectoryPath);
        }

        if (handled > 0 && lost == 0)
        {
            Log.UsageDrained(logger, handled);
        }
    }

    private async Task<long> SpillRemainingAsync()
    {
        long spilled = 0;
        var reader = queue.Reader;
        var graceEnds = DateTime.UtcNow + ParkedGrace;
        while (true)
        {
            while (reader.TryRead(out var usage))
            {
                _batch.Add(usage);
                if (_batch.Count >= _maxEvents)
                {
                    spilled += SpillOrKeep();
                }
            }

            if (queue.Parked == 0 || DateTime.UtcNow > graceEnds)
            {
                break;
            }

            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }

        queue.Complete();
        while (reader.TryRead(out var usage))
        {
            _batch.Add(usage);
            if (_batch.Count >= _maxEvents)
            {
                spilled += SpillOrKeep();
            }
        }

        if (_batch.Count > 0)
        {
            spilled += SpillOrKeep();
        }

        return spilled;

        int SpillOrKeep()
        {
            var count = _batch.Count;
            return Spill() ? count : 0;
        }
    }

    /// <summary>Publishes (or spills) batches until cancelled or, with <paramref name="untilEmpty"/>, until nothing is left.</summary>
    private async Task<long> PumpAsync(bool untilEmpty, CancellationToken ct)
    {
        long handled = 0;
        var attempt = 0;
        var reader = queue.Reader;
        while (true)
        {
            if (_batch.Count == 0)
            {
                if (untilEmpty)
                {
                    if (!reader.TryRead(out var first))
                    {
                        if (queue.Parked == 0 || !await reader.WaitToReadAsync(ct).ConfigureAwait(false))
                        {
                            return handled;
                        }

                        continue;
                    }

                    _batch.Add(first);
                    Fill(reader);
                }
                else
                {
                    if (!await reader.WaitToReadAsync(ct).ConfigureAwait(false))
                    {
                        return handled;
                    }

                    Fill(reader);
                    if (_batch.Count < _maxEvents && _linger > TimeSpan.Zero && !_brokerDown)
                    {
                        // Let more events join the batch: one message per linger instead of one per request.
                        await Task.Delay(_linger, ct).ConfigureAwait(false);
                        Fill(reader);
                    }
                }
            }

            var count = _batch.Count;
            if (!_brokerDown)
            {
                if (await PublishAsync(_batch.ToArray(), ct).ConfigureAwait(false))
                {
                    _batch.Clear();
                    queue.MarkPublished(count);
                    metrics.Published(count);
                    handled += count;
                    attempt = 0;
                    continue;
                }

                _brokerDown = true;
                UsageLog.PublishFailedSpilling(logger, count, journal.DirectoryPath, _lastError!);
            }

            if (Spill())
            {
                handled += count;
                attempt = 0;
                continue;
            }

            // The journal cannot take it: keep the batch in memory and try the broker again after a while.
            attempt++;
            var delay = Backoff(attempt);
            Log.UsagePublishFailed(logger, count, attempt, delay.TotalMilliseconds, _lastError!);
            await Task.Delay(delay, ct).ConfigureAwait(false);
            _brokerDown = false;
        }
    }

    private void Fill(ChannelReader<UsageRecorded> reader)
    {
        while (_batch.Count < _maxEvents && reader.TryRead(out var usage))
        {
            _batch.Add(usage);
        }
    }

    /// <summary>Appends the batch to the journal; true when it is on disk (and leaves memory).</summary>
    private bool Spill()
    {
        var count = _batch.Count;
        var result = journal.Append(_batch.ToArray());
        if (result == JournalAppend.Appended)
        {
            _batch.Clear();
            queue.MarkPublished(count);
            metrics.Spilled(count);
            _spillRejectedLogged = false;
            _wakeReplay.Writer.TryWrite(true);
            return true;
        }

        metrics.SpillRejected(count);
        if (!_spillRejectedLogged)
        {
            _spillRejectedLogged = true;
            UsageLog.SpillRejected(logger, journal.DirectoryPath, journal.Bytes, journal.MaxBytes, count);
        }

        return false;
    }

    /// <summary>Publishes one batch message and waits for the broker's confirm; false (and <see cref="_lastError"/>) on failure.</summary>
    private async Task<bool> PublishAsync(UsageRecorded[] events, CancellationToken ct)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(PublishTimeout);
        try
        {
            await publisher.Publish(new UsageRecordedBatch { Events = events }, Prepare, attempt.Token)
                .ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _lastError = ex is OperationCanceledException ? new TimeoutException("Publishing to RabbitMQ timed out.", ex) : ex;
            return false;
        }
    }

    /// <summary>Publishes journal segments, oldest first, deleting each once all of it is confirmed.</summary>
    private async Task ReplayLoopAsync(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var segments = journal.ListSegments();
                if (segments.Count == 0)
                {
                    if (_brokerDown && journal.HasActiveData)
                    {
                        // Probe the broker with what was spilled since the last try.
                        journal.SealActive();
                        continue;
                    }

                    await WaitForWorkAsync(ct).ConfigureAwait(false);
                    continue;
                }

                var failed = false;
                var claimed = 0;
                foreach (var path in segments)
                {
                    using var segment = journal.TryClaim(path);
                    if (segment is null)
                    {
                        continue;
                    }

                    claimed++;

                    if (!await ReplayAsync(segment, ct).ConfigureAwait(false))
                    {
                        failed = true;
                        attempt++;
                        var delay = Backoff(attempt);
                        UsageLog.ReplayFailed(logger, segment.Events.Count, attempt, delay.TotalMilliseconds, _lastReplayError!);
                        segment.Dispose();
                        await Task.Delay(delay, ct).ConfigureAwait(false);
                        break;
                    }

                    attempt = 0;
                }

                if (!failed && (!_brokerDown || claimed == 0))
                {
                    // Everything listed is replayed (or held by another process): wait for new spills.
                    await WaitForWorkAsync(ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                attempt++;
                var delay = Backoff(attempt);
                UsageLog.ReplayLoopFailed(logger, delay.TotalMilliseconds, ex);
                try
                {
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<bool> ReplayAsync(JournalSegment segment, CancellationToken ct)
    {
        var name = Path.GetFileName(segment.Path);
        if (segment.Unreadable)
        {
            UsageLog.Unreadable(logger, name);
            segment.Quarantine();
            return true;
        }

        if (segment.SkippedBytes > 0)
        {
            UsageLog.TornTail(logger, name, segment.Records, segment.SkippedBytes);
        }

        var events = segment.Events;
        if (events.Count > 0)
        {
            // Re-batched to full messages (the journal may hold many small batches); sent together, all confirmed.
            var publishes = new List<Task<bool>>((events.Count + _maxEvents - 1) / _maxEvents);
            for (var start = 0; start < events.Count; start += _maxEvents)
            {
                var chunk = events.GetRange(start, Math.Min(_maxEvents, events.Count - start)).ToArray();
                publishes.Add(PublishReplayAsync(chunk, ct));
            }

            var results = await Task.WhenAll(publishes).ConfigureAwait(false);
            if (Array.IndexOf(results, false) >= 0)
            {
                return false;
            }
        }

        segment.Delete();
        _brokerDown = false;
        metrics.Replayed(events.Count);
        UsageLog.Replayed(logger, events.Count, name);
        return true;
    }

    private async Task<bool> PublishReplayAsync(UsageRecorded[] events, CancellationToken ct)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(PublishTimeout);
        try
        {
            await publisher.Publish(new UsageRecordedBatch { Events = events }, Prepare, attempt.Token)
                .ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _lastReplayError = ex is OperationCanceledException ? new TimeoutException("Publishing to RabbitMQ timed out.", ex) : ex;
            return false;
        }
    }

    private async Task WaitForWorkAsync(CancellationToken ct)
    {
        using var rescan = CancellationTokenSource.CreateLinkedTokenSource(ct);
        rescan.CancelAfter(RescanInterval);
        try
        {
            await _wakeReplay.Reader.ReadAsync(rescan.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Time to look again for segments other processes left.
        }
    }

    /// <summary>
    /// Durable, and mandatory on RabbitMQ: a batch no queue is bound for (Metering not deployed yet, or not yet
    /// declared its queue) is returned by the broker, so the publish fails and the batch is spilled and replayed
    /// later instead of being dropped as unroutable.
    /// </summary>
    private static void Prepare(PublishContext<UsageRecordedBatch> context)
    {
        context.Durable = true;
        if (context.TryGetPayload<RabbitMqSendContext>(out var rabbit))
        {
            rabbit.Mandatory = true;
        }
    }

    private static TimeSpan Backoff(int attempt)
    {
        var ms = InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 10));
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxBackoff.TotalMilliseconds) * jitter);
    }
}
