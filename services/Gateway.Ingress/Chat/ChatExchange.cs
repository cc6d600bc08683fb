using System.Diagnostics;
using Gateway.Auth.V1;
using Gateway.Contracts;
using Gateway.Ingress.Buffers;
using Gateway.Ingress.Errors;
using Gateway.Ingress.Surfaces;
using Gateway.Ingress.Telemetry;
using Gateway.Ingress.Usage;
using Gateway.Routing.V1;
using Route = Gateway.Routing.V1.Route;

namespace Gateway.Ingress.Chat;

/// <summary>The state of one request on any relayed surface, from arrival to its usage event.</summary>
internal sealed class ChatExchange(string requestId, ApiSurface surface, DateTimeOffset startedAt) : IDisposable
{
    public const int ClientClosedRequest = 499;

    public string RequestId { get; } = requestId;
    public ApiSurface Kind { get; } = surface;
    public string Surface { get; } = surface.Name();
    public ErrorFormat ErrorFormat { get; } = surface.ErrorFormat();
    public DateTimeOffset StartedAt { get; } = startedAt;
    public long StartedTimestamp { get; } = Stopwatch.GetTimestamp();

    public PooledBufferWriter? Body { get; set; }
    public ChatRequest Request;
    public ApiKey? Key { get; set; }
    public Route? Route { get; set; }

    /// <summary>The status the client got (499 when it went away first).</summary>
    public int HttpStatus { get; set; }

    /// <summary>A call to an upstream was made: the request produces a usage event.</summary>
    public bool Attempted { get; private set; }

    /// <summary>The upstream answered 2xx (so it generated, or started generating, an answer).</summary>
    public bool UpstreamAccepted { get; set; }

    public UsageOutcome Outcome { get; set; }
    public UsageCounts Usage;
    public bool UsageReported { get; set; }
    public bool UsageEstimated { get; private set; }

    /// <summary>Output deltas relayed to the client (streaming) — the output estimate when usage is missing.</summary>
    public int ContentDeltas { get; set; }

    /// <summary>Raw bytes of the generated content (non-streaming) — the output estimate when usage is missing.</summary>
    public long ContentBytes { get; set; }

    public string? ResponseModel { get; set; }
    public long FirstTokenTimestamp { get; set; }

    public string ModelTag => Route?.Model is { Length: > 0 } model ? model : IngressTelemetry.UnknownTag;
    public string ProviderTag => Route?.Provider?.Id is { Length: > 0 } provider ? provider : IngressTelemetry.UnknownTag;

    /// <summary>Starts an attempt against <paramref name="route"/>, forgetting what an earlier attempt saw.</summary>
    public void BeginAttempt(Route route)
    {
        Route = route;
        Attempted = true;
        UpstreamAccepted = false;
        Outcome = UsageOutcome.Failed;
        Usage = default;
        UsageReported = false;
        UsageEstimated = false;
        ContentDeltas = 0;
        ContentBytes = 0;
        ResponseModel = null;
        FirstTokenTimestamp = 0;
    }

    /// <summary>
    /// Fills in tokens the upstream did not report: when it accepted the request (or the client left while it was
    /// working) but no usage arrived, input is ceil(body characters / 4) and output the relayed content deltas
    /// (streaming) or ceil(content bytes / 4) (non-streaming). Nothing is recorded as zero silently.
    /// </summary>
    public void EstimateUsageIfMissing()
    {
        if (UsageReported || !(UpstreamAccepted || Outcome == UsageOutcome.Aborted) || Body is null)
        {
            return;
        }

        var chars = System.Text.Encoding.UTF8.GetCharCount(Body.WrittenSpan);
        Usage = new UsageCounts
        {
            Input = (chars + 3) / 4,
            Output = Request.Stream ? ContentDeltas : (ContentBytes + 3) / 4,
        };
        UsageEstimated = true;
    }

    public UsageRecorded ToUsageRecorded()
    {
        var route = Route!;
        var pricing = route.Pricing;
        var end = Stopwatch.GetTimestamp();
        return new UsageRecorded
        {
            RequestId = RequestId,
            TenantId = Key?.TenantId ?? string.Empty,
            KeyId = Key?.KeyId ?? string.Empty,
            Model = route.Model,
            ProviderId = route.Provider?.Id ?? string.Empty,
            UpstreamModel = route.UpstreamModel,
            Surface = Surface,
            Outcome = Outcome,
            HttpStatus = HttpStatus,
            Streamed = Request.Stream,
            InputTokens = Usage.Input,
            OutputTokens = Usage.Output,
            CachedInputTokens = Usage.CachedInput,
            CacheWriteTokens = Usage.CacheWrite,
            ReasoningTokens = Usage.Reasoning,
            InputPricePerMTokMicros = pricing?.InputPerMtokMicros ?? 0,
            OutputPricePerMTokMicros = pricing?.OutputPerMtokMicros ?? 0,
            CachedInputPricePerMTokMicros = pricing?.CachedInputPerMtokMicros ?? 0,
            CacheWritePricePerMTokMicros = pricing?.CacheWritePerMtokMicros ?? 0,
            StartedAt = StartedAt,
            TimeToFirstTokenMs = FirstTokenTimestamp == 0
                ? null
                : Stopwatch.GetElapsedTime(StartedTimestamp, FirstTokenTimestamp).TotalMilliseconds,
            DurationMs = Stopwatch.GetElapsedTime(StartedTimestamp, end).TotalMilliseconds,
        };
    }

    /// <summary>Cost in USD at the route's prices; input includes cached input and cache writes (UsageRecorded's
    /// convention), which are priced at their own rates (as Metering does).</summary>
    public double CostUsd()
    {
        var pricing = Route?.Pricing;
        if (pricing is null)
        {
            return 0;
        }

        var uncached = Math.Max(0, Usage.Input - Usage.CachedInput - Usage.CacheWrite);
        var micros = ((decimal)uncached * pricing.InputPerMtokMicros)
            + ((decimal)Usage.CachedInput * pricing.CachedInputPerMtokMicros)
            + ((decimal)Usage.CacheWrite * pricing.CacheWritePerMtokMicros)
            + ((decimal)Usage.Output * pricing.OutputPerMtokMicros);
        return (double)(micros / 1_000_000m / 1_000_000m);
    }

    public void Dispose()
    {
        Body?.Dispose();
        Body = null;
    }
}
