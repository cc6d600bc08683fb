using System.Threading.Channels;
using Gateway.Contracts;
using Gateway.Ingress.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Usage;

/// <summary>
/// The bounded channel between requests and <see cref="UsagePublisher"/>. <see cref="Record"/> never waits: when
/// the channel is full (RabbitMQ down for long) the event is parked on a pending write that completes as the
/// publisher frees room, so a request never waits for RabbitMQ and no event is dropped while the process lives.
/// </summary>
internal sealed class UsageQueue : IUsageSink
{
    private readonly Channel<UsageRecorded> _channel;
    private readonly ILogger<UsageQueue> _logger;
    private long _parked;
    private long _outstanding;
    private long _lostAfterClose;

    public UsageQueue(IOptions<IngressOptions> options, ILogger<UsageQueue> logger)
    {
        _logger = logger;
        _channel = Channel.CreateBounded<UsageRecorded>(new BoundedChannelOptions(options.Value.UsageQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public ChannelReader<UsageRecorded> Reader => _channel.Reader;

    /// <summary>Events waiting for room in the channel.</summary>
    public long Parked => Interlocked.Read(ref _parked);

    /// <summary>Events that arrived after <see cref="Complete"/> (shutdown) and could not be queued.</summary>
    public long LostAfterClose => Interlocked.Read(ref _lostAfterClose);

    /// <summary>Events recorded and neither published nor spilled to the journal yet.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>The publisher published or spilled <paramref name="count"/> events.</summary>
    public void MarkPublished(int count) => Interlocked.Add(ref _outstanding, -count);

    public void Record(UsageRecorded usage)
    {
        Interlocked.Increment(ref _outstanding);
        if (_channel.Writer.TryWrite(usage))
        {
            return;
        }

        var parked = Interlocked.Increment(ref _parked);
        if (parked == 1 || parked % 1000 == 0)
        {
            Log.UsageQueueFull(_logger, parked);
        }

        _ = ParkAsync(usage);
    }

    private async Task ParkAsync(UsageRecorded usage)
    {
        try
        {
            await _channel.Writer.WriteAsync(usage).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Interlocked.Increment(ref _lostAfterClose);
            Log.UsageRecordedAfterClose(_logger);
        }
        finally
        {
            Interlocked.Decrement(ref _parked);
        }
    }

    /// <summary>Stops accepting events (shutdown); what is queued can still be read.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
