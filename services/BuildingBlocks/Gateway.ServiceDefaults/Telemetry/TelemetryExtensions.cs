using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry without OpenTelemetry.Extensions.Hosting or any instrumentation package (neither restores here):
/// the providers are built with <see cref="Sdk"/> and subscribe to the sources and meters .NET itself emits.
/// </summary>
internal static class TelemetryExtensions
{
    /// <summary>Activity sources traced. ASP.NET Core and HttpClient emit their own; "Gateway.*" covers ours.</summary>
    public static readonly string[] ActivitySources =
    [
        "Microsoft.AspNetCore",
        "System.Net.Http",
        "Gateway.*",
        "MassTransit",
    ];

    /// <summary>Meters collected: the built-in ASP.NET Core, Kestrel, HttpClient and runtime meters, and ours.</summary>
    public static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
        "System.Runtime",
        "Gateway.*",
    ];

    public static WebApplicationBuilder ConfigureOpenTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = OtlpSettings.FromConfiguration(builder.Configuration);
        var serviceName = ServiceName(builder.Configuration, builder.Environment);

        builder.Logging.Configure(options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        if (otlp is not null)
        {
            builder.Logging.AddOpenTelemetry(logging =>
            {
                logging.SetResourceBuilder(CreateResource(serviceName));
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
                logging.AddOtlpExporter(exporter => otlp.Apply(exporter, "v1/logs"));
            });
        }

        // Built by DI (so DI disposes them, flushing the exporters, when the host stops) and forced into existence
        // at start by TelemetryHostedService: a provider nobody resolves would never listen.
        builder.Services.AddSingleton(_ =>
        {
            var tracing = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(CreateResource(serviceName))
                .AddSource(ActivitySources);
            if (otlp is not null)
            {
                tracing.AddOtlpExporter(exporter => otlp.Apply(exporter, "v1/traces"));
            }

            return tracing.Build();
        });
        builder.Services.AddSingleton(_ =>
        {
            var metrics = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(CreateResource(serviceName))
                .AddMeter(Meters);
            if (otlp is not null)
            {
                metrics.AddOtlpExporter(exporter => otlp.Apply(exporter, "v1/metrics"));
            }

            return metrics.Build();
        });
        builder.Services.AddHostedService<TelemetryHostedService>();
        return builder;
    }

    /// <summary><c>OTEL_SERVICE_NAME</c>, else the application (assembly) name.</summary>
    public static string ServiceName(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration["OTEL_SERVICE_NAME"];
        return string.IsNullOrWhiteSpace(configured) ? environment.ApplicationName : configured.Trim();
    }

    private static ResourceBuilder CreateResource(string serviceName) =>
        ResourceBuilder.CreateDefault().AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId);
}
