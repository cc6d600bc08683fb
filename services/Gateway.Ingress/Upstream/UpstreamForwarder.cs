using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Gateway.Contracts;
using Gateway.Ingress.Buffers;
using Gateway.Ingress.Chat;
using Gateway.Ingress.Errors;
using Gateway.Ingress.Streaming;
using Gateway.Ingress.Surfaces;
using Gateway.Ingress.Telemetry;
using Gateway.Routing.V1;
using Route = Gateway.Routing.V1.Route;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Upstream;

/// <summary>How an attempt against one upstream ended.</summary>
internal enum ForwardResult : byte
{
    /// <summary>The client got its answer (or an error, or went away): the request is over.</summary>
    Done,

    /// <summary>Failed before the first byte reached the client, in a way another candidate could fix.
    /// Only returned when the caller said more candidates remain.</summary>
    Retry,
}

/// <summary>
/// Calls an upstream that speaks the client's own wire and relays its answer: the rewritten body goes to
/// <c>{base_url}{surface path}</c> (<c>/chat/completions</c>, <c>/embeddings</c>, <c>/messages</c>,
/// <c>/messages/count_tokens</c>, <c>/responses</c>, <c>/images/generations</c>) with the provider's key; a non-streaming answer is validated and relayed
/// whole, a stream is relayed event by event as it arrives (see <see cref="SseScanner"/>). Failures before the
/// first byte become a proper error status; after it, an SSE error event and an aborted connection, so a cut
/// stream never looks complete.
/// </summary>
internal sealed class UpstreamForwarder(
    UpstreamHttp http,
    IOptions<IngressOptions> options,
    ILogger<UpstreamForwarder> logger)
{
    private const int MaxErrorBodyBytes = 1024 * 1024;
    private const string SimHeaderPrefix = "x-sim-";
    private const string DefaultAnthropicVersion = "2023-06-01";
    private static readonly TimeSpan AbortGrace = TimeSpan.FromMilliseconds(200);
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly TimeSpan _idleTimeout = options.Value.StreamIdleTimeout;
    private readonly long _maxResponseBytes = options.Value.MaxUpstreamResponseBytes;

    public async Task<ForwardResult> ForwardAsync(HttpContext context, ChatExchange exchange, Route route, bool moreCandidates)
    {
        var uri = http.UpstreamUri(route.Provider.BaseUrl, exchange.Kind);
        if (uri is null)
        {
            if (moreCandidates)
            {
                return ForwardResult.Retry;
            }

            await FailAsync(context, exchange, ApiErrors.RouteMisconfigured(route.Model)).ConfigureAwait(false);
            return ForwardResult.Done;
        }

        exchange.BeginAttempt(route);
        using var activity = StartActivity(exchange, route, uri);
        try
        {
            return await SendAndRelayAsync(context, exchange, route, uri, activity, moreCandidates).ConfigureAwait(false);
        }
        finally
        {
            exchange.EstimateUsageIfMissing();
            CompleteActivity(activity, exchange);
        }
    }

    private async Task<ForwardResult> SendAndRelayAsync(HttpContext context, ChatExchange exchange, Route route, Uri uri,
        Activity? activity, bool moreCandidates)
    {
        using var body = new PooledBufferWriter(ChatRequestRewriter.EstimateSize(exchange.Body!.WrittenCount, route.UpstreamModel));
        ChatRequestRewriter.Rewrite(exchange.Body.WrittenSpan, exchange.Request, route.UpstreamModel, body,
            forceIncludeUsage: exchange.Kind == ApiSurface.OpenAiChat);

        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ReadOnlyMemoryContent(body.WrittenMemory),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        PrepareHeaders(context.Request, request, route, exchange.Request.Stream, exchange.Kind.SameWire() == WireKind.AnthropicMessages);

        // One source per attempt: the client's abort, plus an idle timer re-armed around every upstream wait.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var attempt = new Attempt(context, exchange, timeout, activity, moreCandidates);

        HttpResponseMessage response;
        timeout.CancelAfter(_idleTimeout);
        try
        {
            response = await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return ClientGone(attempt);
        }
        catch (OperationCanceledException)
        {
            // Our idle timer, or the handler's connect timeout.
            return await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamTimeout(), "no response headers in time", retryable: true)
                .ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            var error = ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError
                ? ApiErrors.UpstreamUnreachable()
                : ApiErrors.UpstreamInvalidResponse();
            return await FailBeforeFirstByteAsync(attempt, error, ex.HttpRequestError.ToString(), retryable: true)
                .ConfigureAwait(false);
        }

        using (response)
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            var status = (int)response.StatusCode;
            activity?.SetTag("http.response.status_code", status);
            if (status is < 200 or > 299)
            {
                return await RelayUpstreamErrorAsync(attempt, response, status).ConfigureAwait(false);
            }

            exchange.UpstreamAccepted = true;
            return exchange.Request.Stream
                ? await RelayStreamAsync(attempt, response).ConfigureAwait(false)
                : await RelayBodyAsync(attempt, response, status).ConfigureAwait(false);
        }
    }

    /// <summary>Per-attempt state shared by the relay paths.</summary>
    private sealed class Attempt(HttpContext context, ChatExchange exchange, CancellationTokenSource timeout, Activity? activity, bool moreCandidates)
    {
        public HttpContext Context { get; } = context;
        public ChatExchange Exchange { get; } = exchange;
        public CancellationTokenSource Timeout { get; } = timeout;
        public Activity? Activity { get; } = activity;
        public bool MoreCandidates { get; } = moreCandidates;
        public CancellationToken RequestAborted => Context.RequestAborted;
    }

    private static void PrepareHeaders(HttpRequest client, HttpRequestMessage request, Route route, bool stream, bool anthropic)
    {
        // Nothing from the client is forwarded except content-type, the simulator's x-sim-* controls and (Anthropic)
        // anthropic-version and anthropic-beta; in particular never its key.
        if (anthropic)
        {
            if (!string.IsNullOrEmpty(route.Provider.ApiKey))
            {
                request.Headers.TryAddWithoutValidation("x-api-key", route.Provider.ApiKey);
            }

            var version = client.Headers["anthropic-version"];
            request.Headers.TryAddWithoutValidation("anthropic-version", version.Count == 1 && !string.IsNullOrWhiteSpace(version[0])
                ? version[0]
                : DefaultAnthropicVersion);
            var beta = client.Headers["anthropic-beta"];
            if (beta.Count > 0)
            {
                request.Headers.TryAddWithoutValidation("anthropic-beta", (IEnumerable<string?>)beta);
            }
        }
        else if (!string.IsNullOrEmpty(route.Provider.ApiKey))
        {
            request.Headers.TryAddWithoutValidation("Authorization", string.Concat("Bearer ", route.Provider.ApiKey));
        }

        request.Headers.TryAddWithoutValidation("Accept", stream ? "text/event-stream" : "application/json");
        foreach (var header in client.Headers)
        {
            if (header.Key.StartsWith(SimHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        request.Content!.Headers.ContentType =
            client.ContentType is { } contentType && MediaTypeHeaderValue.TryParse(contentType, out var parsed)
                ? parsed
                : JsonContentType;
    }

    private async Task<ForwardResult> RelayUpstreamErrorAsync(Attempt attempt, HttpResponseMessage response, int status)
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
            // The provider refused the gateway's own credential. Relaying that 401 would tell the client its key is
            // wrong (and OpenAI's message echoes part of the provider key): answer 502 instead.
            error = ApiErrors.UpstreamRejectedCredentials(status);
            retryable = true;
        }
        else if (read == BodyRead.Complete && IsErrorEnvelope(exchange, body.WrittenSpan))
        {
            if (retryable && attempt.MoreCandidates)
            {
                return ForwardResult.Retry;
            }

            exchange.HttpStatus = status;
            exchange.Outcome = UsageOutcome.Failed;
            attempt.Activity?.SetStatus(ActivityStatusCode.Error, "upstream error status");
            if (response.Headers.RetryAfter is { } retryAfter)
            {
                attempt.Context.Response.Headers.RetryAfter = retryAfter.ToString();
            }

            await ErrorResponses.WriteRawAsync(attempt.Context.Response, status, body.WrittenMemory, attempt.RequestAborted)
                .ConfigureAwait(false);
            return ForwardResult.Done;
        }
        else
        {
            error = ApiErrors.UpstreamError(status);
        }

        return await FailBeforeFirstByteAsync(attempt, error, $"HTTP {status}", retryable).ConfigureAwait(false);
    }

    private async Task<ForwardResult> RelayBodyAsync(Attempt attempt, HttpResponseMessage response, int status)
    {
        var exchange = attempt.Exchange;
        using var body = new PooledBufferWriter(response.Content.Headers.ContentLength is { } length and > 0 and < 1024 * 1024
            ? (int)length
            : 16 * 1024);
        var read = await ReadBodyAsync(attempt, response, body, _maxResponseBytes).ConfigureAwait(false);
        switch (read)
        {
            case BodyRead.ClientGone:
                return ClientGone(attempt);
            case BodyRead.TimedOut:
                return await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamTimeout(), "body idle timeout", retryable: true)
                    .ConfigureAwait(false);
            case BodyRead.Cut:
                return await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamInvalidResponse(), "body cut", retryable: true)
                    .ConfigureAwait(false);
            case BodyRead.TooLarge:
                return await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamInvalidResponse(), "body too large", retryable: false)
                    .ConfigureAwait(false);
        }

        var usage = default(Usage.UsageCounts);
        bool valid, usageSeen;
        string? model;
        long contentBytes = 0;
        switch (exchange.Kind)
        {
            case ApiSurface.AnthropicMessages or ApiSurface.AnthropicCountTokens:
                valid = AnthropicJson.TryReadMessage(body.WrittenSpan, ref usage, out usageSeen, out model, out contentBytes);
                break;
            case ApiSurface.OpenAiResponses:
                valid = ResponsesJson.TryReadResponseBody(body.WrittenSpan, ref usage, out usageSeen, out model, out contentBytes);
                break;
            case ApiSurface.OpenAiImages:
                valid = ResponsesJson.TryReadImagesBody(body.WrittenSpan, ref usage, out usageSeen, out model);
                break;
            default:
                valid = OpenAiJson.TryReadCompletion(body.WrittenSpan, ref usage, out usageSeen, out model, out contentBytes);
                break;
        }

        if (!valid)
        {
            return await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamInvalidResponse(), "body is not a JSON object", retryable: true)
                .ConfigureAwait(false);
        }

        exchange.Usage = usage;
        exchange.UsageReported = usageSeen;
        exchange.ResponseModel = model;
        exchange.ContentBytes = contentBytes;

        var client = attempt.Context.Response;
        client.StatusCode = status;
        client.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        client.ContentLength = body.WrittenCount;
        try
        {
            await client.Body.WriteAsync(body.WrittenMemory, attempt.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return ClientGone(attempt);
        }

        exchange.HttpStatus = status;
        exchange.Outcome = UsageOutcome.Completed;
        return ForwardResult.Done;
    }

    private enum BodyRead : byte
    {
        Complete,
        ClientGone,
        TimedOut,
        Cut,
        TooLarge,
    }

    /// <summary>Reads a whole upstream body, with the idle timer re-armed per read.</summary>
    private async Task<BodyRead> ReadBodyAsync(Attempt attempt, HttpResponseMessage response, PooledBufferWriter body, long limit)
    {
        var timeout = attempt.Timeout;
        try
        {
            timeout.CancelAfter(_idleTimeout);
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            while (true)
            {
                var memory = body.GetMemory(8192);
                timeout.CancelAfter(_idleTimeout);
                var read = await stream.ReadAsync(memory, timeout.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return BodyRead.Complete;
                }

                body.Advance(read);
                if (body.WrittenCount > limit)
                {
                    return BodyRead.TooLarge;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return attempt.RequestAborted.IsCancellationRequested ? BodyRead.ClientGone : BodyRead.TimedOut;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return BodyRead.Cut;
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private enum StreamEnd : byte
    {
        Completed,
        ClientGone,
        IdleTimeout,
        Cut,
        Garbage,
        ErrorEvent,
    }

    private async Task<ForwardResult> RelayStreamAsync(Attempt attempt, HttpResponseMessage response)
    {
        var exchange = attempt.Exchange;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && !mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamInvalidResponse(), $"stream answered as {mediaType}", retryable: true)
                .ConfigureAwait(false);
        }

        using var scanner = new SseScanner(exchange.Request.ClientIncludeUsage, dialect: exchange.Kind.Dialect());
        var writer = attempt.Context.Response.BodyWriter;
        var timeout = attempt.Timeout;
        var started = false;
        StreamEnd end;
        Stream upstream;
        try
        {
            timeout.CancelAfter(_idleTimeout);
            upstream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return attempt.RequestAborted.IsCancellationRequested
                ? ClientGone(attempt)
                : await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamTimeout(), "stream idle timeout", retryable: true).ConfigureAwait(false);
        }

        while (true)
        {
            var memory = scanner.GetReadMemory();
            if (memory.IsEmpty)
            {
                end = StreamEnd.Garbage; // a single event larger than the limit
                break;
            }

            int read;
            timeout.CancelAfter(_idleTimeout);
            try
            {
                read = await upstream.ReadAsync(memory, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                end = attempt.RequestAborted.IsCancellationRequested ? StreamEnd.ClientGone : StreamEnd.IdleTimeout;
                break;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                end = StreamEnd.Cut;
                break;
            }

            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            scanner.Advance(read);
            var final = read == 0;
            var emitted = Emit(attempt, scanner, writer, final, ref started);
            if (emitted.Wrote)
            {
                try
                {
                    var flush = await writer.FlushAsync(attempt.RequestAborted).ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        end = StreamEnd.ClientGone;
                        break;
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    end = StreamEnd.ClientGone;
                    break;
                }
            }

            if (emitted.Next == SseNext.Garbage)
            {
                end = StreamEnd.Garbage;
                break;
            }

            if (emitted.ErrorBeforeFirstByte)
            {
                end = StreamEnd.ErrorEvent;
                break;
            }

            if (scanner.SawDone)
            {
                end = StreamEnd.Completed;
                break;
            }

            if (final)
            {
                end = scanner.SawErrorEvent ? StreamEnd.ErrorEvent : StreamEnd.Cut;
                break;
            }
        }

        timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        exchange.ContentDeltas = scanner.ContentDeltas;
        exchange.ResponseModel = scanner.ResponseModel;
        exchange.UsageReported = scanner.UsageSeen;
        if (scanner.UsageSeen)
        {
            exchange.Usage = scanner.Usage;
        }

        switch (end)
        {
            case StreamEnd.Completed:
                exchange.HttpStatus = StatusCodes.Status200OK;
                exchange.Outcome = scanner.TerminalFailed ? UsageOutcome.Failed : UsageOutcome.Completed;
                return ForwardResult.Done;
            case StreamEnd.ClientGone:
                return ClientGone(attempt);
        }

        var (error, reason) = end switch
        {
            StreamEnd.IdleTimeout => (ApiErrors.UpstreamTimeout(), "idle timeout"),
            StreamEnd.Garbage => (ApiErrors.UpstreamInvalidResponse(), "not an event stream of the expected wire"),
            StreamEnd.ErrorEvent => (ApiErrors.UpstreamError(200), "error event"),
            _ => (ApiErrors.UpstreamStreamInterrupted(), "ended before its end event ([DONE] / message_stop)"),
        };

        if (!started)
        {
            if (end == StreamEnd.ErrorEvent && scanner.ErrorPayload is { } payload && IsErrorEnvelope(exchange, payload))
            {
                // The upstream's first event was an error: answer it as an error response with the provider's words.
                if (attempt.MoreCandidates)
                {
                    return ForwardResult.Retry;
                }

                exchange.HttpStatus = StatusCodes.Status502BadGateway;
                exchange.Outcome = UsageOutcome.Failed;
                attempt.Activity?.SetStatus(ActivityStatusCode.Error, reason);
                await ErrorResponses.WriteRawAsync(attempt.Context.Response, StatusCodes.Status502BadGateway, payload, attempt.RequestAborted)
                    .ConfigureAwait(false);
                return ForwardResult.Done;
            }

            if (end == StreamEnd.ErrorEvent && exchange.Kind == ApiSurface.OpenAiResponses && scanner.ErrorPayload is { } responsesError
                && ResponsesJson.TryReadErrorEvent(responsesError, out var code, out var message))
            {
                // A Responses error event has no envelope to relay: answer with the provider's code and words.
                error = new ApiError(StatusCodes.Status502BadGateway, ErrorTypes.Api, code ?? "upstream_error", message);
            }

            return await FailBeforeFirstByteAsync(attempt, error, reason, retryable: true).ConfigureAwait(false);
        }

        // After the first byte: say so in the stream (unless the upstream already did), then abort the connection
        // so the client cannot mistake the truncated stream for a complete one.
        Log.StreamInterrupted(logger, exchange.RequestId, exchange.ProviderTag, reason);
        exchange.HttpStatus = error.Status;
        exchange.Outcome = UsageOutcome.Failed;
        attempt.Activity?.SetStatus(ActivityStatusCode.Error, reason);
        try
        {
            if (!scanner.SawErrorEvent)
            {
                await writer.WriteAsync(ErrorResponses.SseErrorEvent(error, exchange.ErrorFormat), attempt.RequestAborted).ConfigureAwait(false);
            }

            // Kestrel drops output it has not yet handed to the socket when a connection is aborted, and a flush
            // completes before that hand-off: give the last events a moment to leave before aborting.
            await Task.Delay(AbortGrace, attempt.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }

        attempt.Context.Abort();
        return ForwardResult.Done;
    }

    private readonly record struct EmitResult(bool Wrote, SseNext Next, bool ErrorBeforeFirstByte);

    /// <summary>Hands every complete event to the client (synchronously, into the response pipe).</summary>
    private static EmitResult Emit(Attempt attempt, SseScanner scanner, PipeWriter writer, bool final, ref bool started)
    {
        var wrote = false;
        while (true)
        {
            var next = scanner.Next(final, out var evt);
            switch (next)
            {
                case SseNext.NeedMore:
                case SseNext.Garbage:
                    return new EmitResult(wrote, next, false);
                case SseNext.Drop:
                    continue;
            }

            if (!started)
            {
                if (scanner.SawErrorEvent)
                {
                    return new EmitResult(wrote, next, true);
                }

                StartStream(attempt.Context);
                started = true;
            }

            if (scanner.LastEventHadContent && attempt.Exchange.FirstTokenTimestamp == 0)
            {
                attempt.Exchange.FirstTokenTimestamp = Stopwatch.GetTimestamp();
            }

            writer.Write(evt);
            wrote = true;
            if (scanner.SawDone)
            {
                return new EmitResult(wrote, next, false);
            }
        }
    }

    private static void StartStream(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    private ForwardResult ClientGone(Attempt attempt)
    {
        var exchange = attempt.Exchange;
        Log.ClientAborted(logger, exchange.RequestId);
        exchange.HttpStatus = ChatExchange.ClientClosedRequest;
        exchange.Outcome = UsageOutcome.Aborted;
        attempt.Activity?.SetStatus(ActivityStatusCode.Error, "client aborted");
        return ForwardResult.Done;
    }

    private async Task<ForwardResult> FailBeforeFirstByteAsync(Attempt attempt, ApiError error, string reason, bool retryable)
    {
        var exchange = attempt.Exchange;
        Log.UpstreamFailedBeforeFirstByte(logger, exchange.RequestId, exchange.ProviderTag, reason);
        attempt.Activity?.SetStatus(ActivityStatusCode.Error, reason);
        if (retryable && attempt.MoreCandidates)
        {
            return ForwardResult.Retry;
        }

        exchange.Outcome = UsageOutcome.Failed;
        await FailAsync(attempt.Context, exchange, error).ConfigureAwait(false);
        return ForwardResult.Done;
    }

    private static async ValueTask FailAsync(HttpContext context, ChatExchange exchange, ApiError error)
    {
        exchange.HttpStatus = error.Status;
        await ErrorResponses.TryWriteAsync(context.Response, error, exchange.ErrorFormat, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Whether an upstream error body is a well-formed envelope of the wire the surface speaks.</summary>
    private static bool IsErrorEnvelope(ChatExchange exchange, ReadOnlySpan<byte> body) =>
        exchange.Kind.SameWire() == WireKind.AnthropicMessages ? AnthropicJson.IsErrorEnvelope(body) : OpenAiJson.IsErrorEnvelope(body);

    private static Activity? StartActivity(ChatExchange exchange, Route route, Uri uri)
    {
        var operation = exchange.Kind.Operation();
        var activity = IngressTelemetry.ActivitySource.StartActivity($"{operation} {route.UpstreamModel}", ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("gen_ai.operation.name", operation);
        activity.SetTag("gen_ai.system", route.Provider.Id);
        activity.SetTag("gen_ai.provider.name", route.Provider.Id);
        activity.SetTag("gen_ai.request.model", route.UpstreamModel);
        activity.SetTag("gateway.model", route.Model);
        activity.SetTag("gateway.request_id", exchange.RequestId);
        activity.SetTag("gateway.stream", exchange.Request.Stream);
        if (exchange.Request.MaxTokens is { } maxTokens)
        {
            activity.SetTag("gen_ai.request.max_tokens", maxTokens);
        }

        activity.SetTag("server.address", uri.Host);
        activity.SetTag("server.port", uri.Port);
        return activity;
    }

    /// <summary>Adds the response model and token counts to the upstream span once the request is settled.</summary>
    private static void CompleteActivity(Activity? activity, ChatExchange exchange)
    {
        if (activity is null)
        {
            return;
        }

        if (exchange.ResponseModel is { } model)
        {
            activity.SetTag("gen_ai.response.model", model);
        }

        activity.SetTag("gen_ai.usage.input_tokens", exchange.Usage.Input);
        activity.SetTag("gen_ai.usage.output_tokens", exchange.Usage.Output);
        activity.SetTag("gateway.usage_estimated", exchange.UsageEstimated);
        activity.SetTag("gateway.outcome", exchange.Outcome.ToString());
    }
}
