using Gateway.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace Gateway.Services.Tests.ServiceDefaults;

public sealed class OtlpSettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var (key, value) in values)
        {
            settings[key] = value; // later values win
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    [Fact]
    public void FromConfiguration_NoEndpoint_ExportIsOff() =>
        Assert.Null(OtlpSettings.FromConfiguration(Config()));

    [Fact]
    public void Apply_GrpcProtocol_UsesEndpointAsIs()
    {
        var settings = OtlpSettings.FromConfiguration(Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")))!;
        var options = new OtlpExporterOptions();

        settings.Apply(options, "v1/traces");

        Assert.Equal(OtlpExportProtocol.Grpc, options.Protocol);
        Assert.Equal(new Uri("http://127.0.0.1:4317"), options.Endpoint);
    }

    [Fact]
    public void Apply_HttpProtobuf_AppendsSignalPath()
    {
        var settings = OtlpSettings.FromConfiguration(Config(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/otlp"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")))!;
        var options = new OtlpExporterOptions();

        settings.Apply(options, "v1/metrics");

        Assert.Equal(OtlpExportProtocol.HttpProtobuf, options.Protocol);
        Assert.Equal(new Uri("http://127.0.0.1:4318/otlp/v1/metrics"), options.Endpoint);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")]
    public void FromConfiguration_InvalidValue_Throws(string key, string value)
    {
        var config = Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"), (key, value));

        Assert.Throws<InvalidOperationException>(() => OtlpSettings.FromConfiguration(config));
    }
}
