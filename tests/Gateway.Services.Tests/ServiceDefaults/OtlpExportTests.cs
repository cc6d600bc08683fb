using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Services.Tests.ServiceDefaults;

/// <summary>
/// Traces, metrics and logs reach an OTLP endpoint (an in-process http/protobuf receiver) when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set, and are flushed when the service stops.
/// </summary>
public sealed partial class OtlpExportTests
{
    [Fact]
    public async Task AddServiceDefaults_OtlpEndpointSet_ExportsTracesMetricsAndLogsByShutdown()
    {
        var received = new ConcurrentDictionary<string, int>();
        await using var collector = await StartCollectorAsync(received);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "Gateway.Tests.OtlpProbe",
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Urls.Single(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "otlp-probe",
        });
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapGet("/ping", (ILogger<OtlpExportTests> logger) =>
        {
            LogPinged(logger);
            return "pong";
        });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
            (await http.GetAsync("/ping")).EnsureSuccessStatusCode();
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync(); // disposing the providers flushes the batches
        }

        Assert.True(received.ContainsKey("/v1/traces"), "no traces: " + string.Join(", ", received.Keys));
        Assert.True(received.ContainsKey("/v1/metrics"), "no metrics: " + string.Join(", ", received.Keys));
        Assert.True(received.ContainsKey("/v1/logs"), "no logs: " + string.Join(", ", received.Keys));
    }

    private static async Task<WebApplication> StartCollectorAsync(ConcurrentDictionary<string, int> received)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:0" });
        builder.Logging.ClearProviders();
        var collector = builder.Build();
        collector.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            if (body.Length > 0 && context.Request.ContentType == "application/x-protobuf")
            {
                received.AddOrUpdate(context.Request.Path, 1, (_, n) => n + 1);
            }

            context.Response.ContentType = "application/x-protobuf";
        });
        await collector.StartAsync();
        return collector;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "pinged")]
    private static partial void LogPinged(ILogger logger);
}
