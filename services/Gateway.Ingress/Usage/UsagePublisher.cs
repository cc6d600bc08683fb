using Gateway.Contracts;
using Gateway.Ingress.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Usage;

/// <summary>
/// Drains <see cref="UsageQueue"/> into RabbitMQ with MassTransit, durable. A batch that fails (broker down, no
/// answer within <see cref="PublishTimeout"/>) is retried with exponential backoff, indefinitely while the process
/// runs. On shutdown it keeps publishing what is queued for at most <c>Ingress:UsageDrainTimeoutSeconds</c> and logs
/// how many events could not be sent (a count, never their content).
/// </summary>
internal sealed class UsagePublisher(
    UsageQueue queue,
    IPublishEndpoint publisher,
    IOptions<IngressOptions> options,
    ILogger<UsagePublisher> logger) : BackgroundService
{
    public const int BatchSize = 64;
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly List<UsageRecorded> _batch = new(BatchSize);
    private readonly Task[] _publishes = new Task[BatchSize];
    private Exception? _lastError;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await PumpAsync(untilEmpty: false, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await DrainAsync().ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        long published = 0;
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.UsageDrainTimeoutSeconds));
        try
        {
            // Requests have finished by now (the server stops before this service): publish what is queued or
            // parked, then close the queue and publish anything that raced in.
            published += await PumpAsync(untilEmpty: true, drain.Token).ConfigureAwait(false);
            queue.Complete();
            published += await PumpAsync(untilEmpty: true, drain.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
            queue.Complete();
        }

        var left = _batch.Count + queue.Reader.Count + queue.Parked + queue.LostAfterClose;
        if (left > 0)
        {
            Log.UsageLostOnShutdown(logger, left);
        }
        else if (published > 0)
        {
            Log.UsageDrained(logger, published);
        }
    }

    /// <summary>Publishes batches until cancelled or, with <paramref name="untilEmpty"/>, until nothing is left.</summary>
    private async Task<long> PumpAsync(bool untilEmpty, CancellationToken ct)
    {
        long published = 0;
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
                            return published;
                        }

                        continue;
                    }

                    _batch.Add(first);
                }
                else if (!await reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    return published;
                }

                while (_batch.Count < BatchSize && reader.TryRead(out var usage))
                {
                    _batch.Add(usage);
                }
            }

            var sent = await PublishBatchAsync(ct).ConfigureAwait(false);
            published += sent;
            queue.MarkPublished(sent);
            if (_batch.Count == 0)
            {
                attempt = 0;
                continue;
            }

            attempt++;
            var delay = Backoff(attempt);
            Log.UsagePublishFailed(logger, _batch.Count, attempt, delay.TotalMilliseconds, _lastError!);
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes the batch concurrently; what was sent leaves the batch, what failed stays for a retry.</summary>
    private async Task<int> PublishBatchAsync(CancellationToken ct)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(PublishTimeout);
        var count = _batch.Count;
        for (var i = 0; i < count; i++)
        {
            try
            {
                _publishes[i] = publisher.Publish(_batch[i], static context => context.Durable = true, attempt.Token);
            }
            catch (Exception ex)
            {
                _publishes[i] = Task.FromException(ex);
            }
        }

        try
        {
            await Task.WhenAll(_publishes.AsSpan(0, count)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Inspected per task below.
        }

        var sent = 0;
        for (var i = count - 1; i >= 0; i--)
        {
            var task = _publishes[i];
            _publishes[i] = null!;
            if (task.IsCompletedSuccessfully)
            {
                _batch.RemoveAt(i);
                sent++;
            }
            else
            {
                _lastError = task.Exception?.GetBaseException() ?? new TimeoutException("Publishing to RabbitMQ timed out.");
            }
        }

        return sent;
    }

    private static TimeSpan Backoff(int attempt)
    {
        var ms = InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 10));
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxBackoff.TotalMilliseconds) * jitter);
    }
}
