using System.Buffers;
using System.Diagnostics;
using Gateway.Contracts;
using Gateway.Ingress.Buffers;
using Gateway.Ingress.Chat;
using Gateway.Ingress.Errors;
using Gateway.Ingress.Surfaces;
using Gateway.Ingress.Telemetry;
using Gateway.Ingress.Usage;
using Gateway.Routing.V1;
using Gateway.Translation;
using Route = Gateway.Routing.V1.Route;

namespace Gateway.Ingress.Upstream;

/// <summary>A client request read into the canonical model, for an upstream of another wire.</summary>
/// <param name="Client">The wire the client speaks.</param>
internal sealed record TranslatedCall(Wire Client, CanonicalRequest Request);

/// <summary>
/// The translated relay (a client surface whose wire differs from the upstream's): the canonical request is written
/// in the upstream's wire (<see cref="RequestTranslator.Write"/>, always streaming) to its own path with its own auth;
/// a non-2xx answer is read with <see cref="UpstreamErrors.TryRead"/> and answered in the client's envelope; a 2xx
/// stream goes through a <see cref="StreamTranslator"/> into the client's wire, as SSE started on the first
/// translated bytes or as one body for a non-streaming client. Timeouts, client aborts, failover before the first
/// byte, the usage event and the error-after-first-byte rule are the same-wire relay's (shared plumbing).
/// </summary>
internal sealed partial class UpstreamForwarder
{
    private const int TranslateReadBufferBytes = 16 * 1024;

    /// <summary>Cross wire: translates the request for <paramref name="route"/>'s upstream and its answer back.</summary>
    public Task<ForwardResult> ForwardTranslatedAsync(HttpContext context, ChatExchange exchange, Route route, bool moreCandidates,
        TranslatedCall call) =>
        AttemptAsync(context, exchange, route, http.UpstreamUri(route.Provider.BaseUrl, WireSurface(route.Provider.Wire)),
            moreCandidates, call);

    /// <summary>The translation library's name of a catalog wire.</summary>
    public static Wire ToWire(WireKind wire) => wire switch
    {
        WireKind.AnthropicMessages => Wire.AnthropicMessages,
        WireKind.OpenaiResponses => Wire.OpenAiResponses,
        _ => Wire.OpenAiChat,
    };

    /// <summary>The surface whose path an upstream of <paramref name="wire"/> serves generation on.</summary>
    private static ApiSurface WireSurface(WireKind wire) => wire switch
    {
        WireKind.AnthropicMessages => ApiSurface.AnthropicMessages,
        WireKind.OpenaiResponses => ApiSurface.OpenAiResponses,
        _ => ApiSurface.OpenAiChat,
    };

    private async Task<ForwardResult> SendAndTranslateAsync(Attempt attempt, Route route, Uri uri, TranslatedCall call)
    {
        var exchange = attempt.Exchange;
        var upstreamWire = ToWire(route.Provider.Wire);
        using var body = new PooledBufferWriter(exchange.Body!.WrittenCount + 1024);
        var translation = RequestTranslator.Write(call.Request, upstreamWire, route.UpstreamModel, exchange.RequestId, body);

        using var request = NewRequest(uri, body);
        PrepareHeaders(attempt.Context.Request, request, route, stream: true, upstreamWire == Wire.AnthropicMessages,
            forwardAnthropicHeaders: false);

        var (response, failed) = await SendAsync(attempt, request).ConfigureAwait(false);
        if (response is null)
        {
            return failed;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is < 200 or > 299)
            {
                return await TranslateUpstreamErrorAsync(attempt, response, status, upstreamWire).ConfigureAwait(false);
            }

            exchange.UpstreamAccepted = true;
            return await TranslateStreamAsync(attempt, response, translation).ConfigureAwait(false);
        }
    }

    /// <summary>Maps a wire-neutral error onto the gateway's (rendered in the client surface's envelope).</summary>
    public static ApiError ToApiError(in TranslationError error) =>
        new(error.Status, error.Type, error.Code, error.Message, error.Param);

    private async Task<ForwardResult> TranslateUpstreamErrorAsync(Attempt attempt, HttpResponseMessage response, int status, Wire upstreamWire)
    {
        var exchange = attempt.Exchange;
        Log.UpstreamErrorStatus(logger, exchange.RequestId, exchange.ProviderTag, status);
        using var body = new PooledBufferWriter(4096);
        var read = await ReadBodyAsync(attempt, response, body, MaxErrorBodyBytes).ConfigureAwait(false);
        if (read == BodyRead.ClientGone)
        {
            return ClientGone(attempt);
        }

        var retryable = status is 408 or 429 or >= 500;
        ApiError error;
        if (status is 401 or 403 or 407)
        {
            // The provider refused the gateway's own credential: never the client's fault.
            error = ApiErrors.UpstreamRejectedCredentials(status);
            retryable = true;
        }
        else if (read == BodyRead.Complete && UpstreamErrors.TryRead(upstreamWire, status, body.WrittenSpan, out var upstreamError))
        {
            if (retryable && attempt.MoreCandidates)
            {
                return ForwardResult.Retry;
            }

            // The provider's own words, in the client's envelope, with the provider's status.
            if (response.Headers.RetryAfter is { } retryAfter)
            {
                attempt.Context.Response.Headers.RetryAfter = retryAfter.ToString();
            }

            exchange.Outcome = UsageOutcome.Failed;
            attempt.Activity?.SetStatus(ActivityStatusCode.Error, "upstream error status");
            await FailAsync(attempt.Context, exchange, ToApiError(upstreamError) with { Status = status }).ConfigureAwait(false);
            return ForwardResult.Done;
        }
        else
        {
            error = ApiErrors.UpstreamError(status);
        }

        return await FailBeforeFirstByteAsync(attempt, error, $"HTTP {status}", retryable).ConfigureAwait(false);
    }

    private async Task<ForwardResult> TranslateStreamAsync(Attempt attempt, HttpResponseMessage response, TranslationContext translation)
    {
        var exchange = attempt.Exchange;
        var (upstream, failed) = await OpenStreamAsync(attempt, response).ConfigureAwait(false);
        if (upstream is null)
        {
            return failed;
        }

        using var translator = new StreamTranslator(translation);
        using var output = new PooledBufferWriter(TranslateReadBufferBytes);
        var writer = attempt.Context.Response.BodyWriter;
        var buffer = ArrayPool<byte>.Shared.Rent(TranslateReadBufferBytes);
        var started = false;
        StreamEnd end;
        try
        {
            while (true)
            {
                var (read, readEnd) = await ReadChunkAsync(attempt, upstream, buffer).ConfigureAwait(false);
                if (readEnd is { } stop)
                {
                    end = stop;
                    break;
                }

                var status = read == 0 ? translator.Complete(output) : translator.Feed(buffer.AsSpan(0, read), output);
                if (translator.ContentStarted && exchange.FirstTokenTimestamp == 0)
                {
                    exchange.FirstTokenTimestamp = Stopwatch.GetTimestamp();
                }

                if (output.WrittenCount > 0 && translation.ClientStream)
                {
                    if (!started)
                    {
                        StartStream(attempt.Context);
                        started = true;
                    }

                    writer.Write(output.WrittenSpan);
                    output.Reset();
                    if (!await FlushAsync(attempt, writer).ConfigureAwait(false))
                    {
                        end = StreamEnd.ClientGone;
                        break;
                    }
                }

                if (status != TranslateStatus.NeedMore)
                {
                    end = status switch
                    {
                        TranslateStatus.Completed => StreamEnd.Completed,
                        TranslateStatus.UpstreamError => StreamEnd.ErrorEvent,
                        TranslateStatus.Garbage => StreamEnd.Garbage,
                        _ => StreamEnd.Cut,
                    };
                    break;
                }

                if (read == 0)
                {
                    end = StreamEnd.Cut;
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        attempt.Timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        RecordUsage(exchange, translator, translation.ClientStream);

        switch (end)
        {
            case StreamEnd.Completed:
                return await CompleteTranslatedAsync(attempt, translator, translation.ClientStream).ConfigureAwait(false);
            case StreamEnd.ClientGone:
                return ClientGone(attempt);
        }

        var (error, reason) = end switch
        {
            StreamEnd.IdleTimeout => (ApiErrors.UpstreamTimeout(), "idle timeout"),
            StreamEnd.Garbage => (ApiErrors.UpstreamInvalidResponse(), "not an event stream of the upstream's wire"),
            StreamEnd.ErrorEvent => (UpstreamStreamError(translator), "error event"),
            _ => (ApiErrors.UpstreamStreamInterrupted(), "ended before its end event"),
        };

        if (!started)
        {
            return await FailBeforeFirstByteAsync(attempt, error, reason, retryable: true).ConfigureAwait(false);
        }

        return await EndStreamMidwayAsync(attempt, error, reason, writeErrorEvent: true).ConfigureAwait(false);
    }

    /// <summary>The upstream's error event in the gateway's terms: its type, code and words, with a 5xx/4xx status
    /// (a 2xx or missing status becomes 502: the upstream failed).</summary>
    private static ApiError UpstreamStreamError(StreamTranslator translator)
    {
        if (translator.Error is not { } error)
        {
            return ApiErrors.UpstreamError(StatusCodes.Status200OK);
        }

        var mapped = ToApiError(error);
        return mapped.Status is >= 400 and <= 599 ? mapped : mapped with { Status = StatusCodes.Status502BadGateway };
    }

    private async Task<ForwardResult> CompleteTranslatedAsync(Attempt attempt, StreamTranslator translator, bool clientStream)
    {
        var exchange = attempt.Exchange;
        exchange.HttpStatus = StatusCodes.Status200OK;
        exchange.Outcome = UsageOutcome.Completed;
        if (clientStream)
        {
            return ForwardResult.Done;
        }

        using var body = new PooledBufferWriter(TranslateReadBufferBytes);
        translator.WriteBody(body);
        var client = attempt.Context.Response;
        client.StatusCode = StatusCodes.Status200OK;
        client.ContentType = "application/json";
        client.ContentLength = body.WrittenCount;
        try
        {
            await client.Body.WriteAsync(body.WrittenMemory, attempt.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return ClientGone(attempt);
        }

        return ForwardResult.Done;
    }

    /// <summary>The translator's usage, exact when the upstream reported it. Without it the exchange estimates: the
    /// content deltas are the output estimate (one token each; a non-streaming client's as four bytes each).</summary>
    private static void RecordUsage(ChatExchange exchange, StreamTranslator translator, bool clientStream)
    {
        exchange.ContentDeltas = translator.ContentDeltas;
        exchange.ContentBytes = clientStream ? 0 : translator.ContentDeltas * 4L;
        exchange.ResponseModel = translator.ResponseModel;
        exchange.UsageReported = translator.UsageSeen;
        if (translator.UsageSeen)
        {
            var usage = translator.Usage;
            exchange.Usage = new UsageCounts
            {
                Input = usage.Input,
                Output = usage.Output,
                CachedInput = usage.CachedInput,
                CacheWrite = usage.CacheWrite,
                Reasoning = usage.Reasoning,
            };
        }
    }
}
