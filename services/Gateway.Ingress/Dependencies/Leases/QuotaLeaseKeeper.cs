using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Dependencies.Leases;

/// <summary>
/// Runs <see cref="LeasingQuotaGate.Sweep"/> every half lease ttl, so unused slots of a key that went quiet are given
/// back about one ttl after its lease expired, and on shutdown gives back every unused slot
/// (<see cref="LeasingQuotaGate.ReleaseAllAsync"/>). Hosted services stop after Kestrel has drained its requests.
/// </summary>
internal sealed class QuotaLeaseKeeper(LeasingQuotaGate gate, IOptions<IngressOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.QuotaLeaseMax == 0)
        {
            return;
        }

        var period = TimeSpan.FromMilliseconds(Math.Max(25, options.Value.QuotaLeaseTtlMs / 2));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                gate.Sweep();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await gate.ReleaseAllAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Out of shutdown time: what was not given back leaves the window within a minute.
        }
    }
}
