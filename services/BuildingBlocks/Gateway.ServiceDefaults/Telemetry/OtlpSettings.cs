using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace Gateway.ServiceDefaults.Telemetry;

/// <summary>
/// The standard OTLP exporter variables, read from configuration (which includes the environment). Exporting is
/// on only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
internal sealed class OtlpSettings
{
    private OtlpSettings(Uri endpoint, OtlpExportProtocol protocol)
    {
        Endpoint = endpoint;
        Protocol = protocol;
    }

    public Uri Endpoint { get; }

    public OtlpExportProtocol Protocol { get; }

    /// <summary>Null when OTLP export is off.</summary>
    /// <exception cref="InvalidOperationException">The endpoint or protocol is not valid.</exception>
    public static OtlpSettings? FromConfiguration(IConfiguration configuration)
    {
        var endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException("OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http:// or https:// URL.");
        }

        var protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]?.Trim() switch
        {
            null or "" or "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new InvalidOperationException(
                $"OTEL_EXPORTER_OTLP_PROTOCOL '{other}' is not supported: use 'grpc' or 'http/protobuf'."),
        };
        return new OtlpSettings(uri, protocol);
    }

    /// <summary>
    /// Applies the endpoint to one signal's exporter. An endpoint set in code is used verbatim, so for
    /// http/protobuf the signal path (<c>v1/traces</c>, <c>v1/metrics</c>, <c>v1/logs</c>) is appended here, as
    /// the specification says the exporter does for the environment variable.
    /// </summary>
    public void Apply(OtlpExporterOptions options, string signalPath)
    {
        options.Protocol = Protocol;
        if (Protocol == OtlpExportProtocol.HttpProtobuf)
        {
            var baseUrl = Endpoint.AbsoluteUri.EndsWith('/') ? Endpoint.AbsoluteUri : Endpoint.AbsoluteUri + "/";
            options.Endpoint = new Uri(baseUrl + signalPath);
        }
        else
        {
            options.Endpoint = Endpoint;
        }
    }
}
