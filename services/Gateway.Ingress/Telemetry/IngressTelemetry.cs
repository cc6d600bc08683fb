using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Ingress.Usage;

namespace Gateway.Ingress.Telemetry;

/// <summary>
/// The Ingress's ActivitySource and Meter, both named "Gateway.Ingress". Instrument names and units are chosen so
/// the OTLP-to-Prometheus translation yields <c>gateway_requests_total</c>, <c>gateway_request_duration_seconds</c>,
/// <c>gateway_time_to_first_token_seconds</c>, <c>gateway_tokens_total</c> and <c>gateway_cost_usd_total</c>.
/// Tags never carry client input that is unbounded (unknown model names become "unknown"), keys or content.
/// </summary>
internal sealed class IngressTelemetry : IDisposable
{
    public const string Name = "Gateway.Ingress";
    public const string UnknownTag = "unknown";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly double[] SecondsBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 300];

    private static readonly string[] StatusTags = BuildStatusTags();

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _cost;

    public IngressTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        _requests = _meter.CreateCounter<long>("gateway.requests", "{request}", "Client requests by model, provider, surface and HTTP status.");
        _duration = _meter.CreateHistogram("gateway.request.duration", "s", "Client request duration, to the last byte.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _timeToFirstToken = _meter.CreateHistogram("gateway.time_to_first_token", "s", "Time from request to the first relayed token of a stream.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _tokens = _meter.CreateCounter<long>("gateway.tokens", "{token}", "Tokens by model, provider and kind (input, output, cached_input, reasoning).");
        _cost = _meter.CreateCounter<double>("gateway.cost_usd", unit: null, "Cost in USD at the route's prices.");
    }

    public void RecordRequest(string model, string provider, string surface, int status, double durationSeconds)
    {
        var tags = new TagList
        {
            { "model", model },
            { "provider", provider },
            { "surface", surface },
            { "status", StatusTag(status) },
        };
        _requests.Add(1, tags);
        _duration.Record(durationSeconds, tags);
    }

    public void RecordTimeToFirstToken(string model, string provider, string surface, double seconds)
    {
        var tags = new TagList { { "model", model }, { "provider", provider }, { "surface", surface } };
        _timeToFirstToken.Record(seconds, tags);
    }

    public void RecordUsage(string model, string provider, in UsageCounts usage, double costUsd)
    {
        AddTokens(model, provider, "input", usage.Input);
        AddTokens(model, provider, "output", usage.Output);
        AddTokens(model, provider, "cached_input", usage.CachedInput);
        AddTokens(model, provider, "reasoning", usage.Reasoning);
        if (costUsd > 0)
        {
            _cost.Add(costUsd, new TagList { { "model", model }, { "provider", provider } });
        }
    }

    private void AddTokens(string model, string provider, string kind, long count)
    {
        if (count > 0)
        {
            _tokens.Add(count, new TagList { { "model", model }, { "provider", provider }, { "kind", kind } });
        }
    }

    private static string StatusTag(int status) =>
        status is >= 100 and < 600 ? StatusTags[status - 100] : status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string[] BuildStatusTags()
    {
        var tags = new string[500];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = (i + 100).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return tags;
    }

    public void Dispose() => _meter.Dispose();
}
