using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Gateway.ServiceDefaults.Telemetry;

/// <summary>
/// Takes the tracer and meter providers as dependencies so they are built when the host starts (and start
/// listening); the container that built them disposes them, flushing the exporters, when the host stops.
/// </summary>
internal sealed class TelemetryHostedService(TracerProvider tracerProvider, MeterProvider meterProvider) : IHostedService
{
    public TracerProvider TracerProvider { get; } = tracerProvider;

    public MeterProvider MeterProvider { get; } = meterProvider;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
