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
internal sealed partial class UpstreamForwarder(
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

    /// <summary>Same wire: the client's body, model rewritten, to <c>{base_url}{surface path}</c>, relayed back unchanged.</summary>
    public Task<ForwardResult> ForwardAsync(HttpContext context, ChatExchange exchange, Route route, bool moreCandidates) =>
        AttemptAsync(context, exchange, route, http.UpstreamUri(route.Provider.BaseUrl, exchange.Kind), moreCandidates, translation: null);

    /// <summary>One attempt against <paramref name="route"/>: the span, the attempt's state and its usage estimate
    /// around either relay (same wire when <paramref name="translation"/> is null, translated otherwise).</summary>
    private async Task<ForwardResult> AttemptAsync(HttpContext context, ChatExchange exchange, Route route, Uri? uri,
        bool moreCandidates, TranslatedCall? translation)
    {
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
            // One source per attempt: the client's abort, plus an idle timer re-armed around every upstream wait.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            var attempt = new Attempt(context, exchange, timeout, activity, moreCandidates);
            return translation is null
                ? await SendAndRelayAsync(attempt, route, uri).ConfigureAwait(false)
                : await SendAndTranslateAsync(attempt, route, uri, translation).ConfigureAwait(false);
        }
        finally
        {
            exchange.EstimateUsageIfMissing();
            CompleteActivity(activity, exchange);
        }
    }

    private async Task<ForwardResult> SendAndRelayAsync(Attempt attempt, Route route, Uri uri)
    {
        var exchange = attempt.Exchange;
        using var body = new PooledBufferWriter(ChatRequestRewriter.EstimateSize(exchange.Body!.WrittenCount, route.UpstreamModel));
        ChatRequestRewriter.Rewrite(exchange.Body.WrittenSpan, exchange.Request, route.UpstreamModel, body,
            forceIncludeUsage: exchange.Kind == ApiSurface.OpenAiChat);

        using var request = NewRequest(uri, body);
        PrepareHeaders(attempt.Context.Request, request, route, exchange.Request.Stream,
            exchange.Kind.SameWire() == WireKind.AnthropicMessages, forwardAnthropicHeaders: true);

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
                return await RelayUpstreamErrorAsync(attempt, response, status).ConfigureAwait(false);
            }

            exchange.UpstreamAccepted = true;
            return exchange.Request.Stream
                ? await RelayStreamAsync(attempt, response).ConfigureAwait(false)
                : await RelayBodyAsync(attempt, response, status).ConfigureAwait(false);
        }
    }

    private static HttpRequestMessage NewRequest(Uri uri, PooledBufferWriter body) => new(HttpMethod.Post, uri)
    {
        Content = new ReadOnlyMemoryContent(body.WrittenMemory),
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    /// <summary>Sends the request and waits for the response headers within the idle timeout. On failure the client
    /// has been answered (or the attempt should be retried) and the response is null.</summary>
    private async Task<(HttpResponseMessage? Response, ForwardResult Failed)> SendAsync(Attempt attempt, HttpRequestMessage request)
    {
        var timeout = attempt.Timeout;
        timeout.CancelAfter(_idleTimeout);
        try
        {
            var response = await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            var status = (int)response.StatusCode;
            attempt.Activity?.SetTag("http.response.status_code", status);
            return (response, ForwardResult.Done);
        }
        catch (OperationCanceledException) when (attempt.RequestAborted.IsCancellationRequested)
        {
            return (null, ClientGone(attempt));
        }
        catch (OperationCanceledException)
        {
            // Our idle timer, or the handler's connect timeout.
            return (null, await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamTimeout(), "no response headers in time", retryable: true)
                .ConfigureAwait(false));
        }
        catch (HttpRequestException ex)
        {
            var error = ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError
                ? ApiErrors.UpstreamUnreachable()
                : ApiErrors.UpstreamInvalidResponse();
            return (null, await FailBeforeFirstByteAsync(attempt, error, ex.HttpRequestError.ToString(), retryable: true)
                .ConfigureAwait(false));
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

    /// <summary>
    /// The provider's auth (Anthropic: <c>x-api-key</c> and <c>anthropic-version</c>, default 2023-06-01; OpenAI:
    /// Bearer), Accept and content type. Nothing from the client is forwarded except content-type, the simulator's
    /// x-sim-* controls and, when <paramref name="forwardAnthropicHeaders"/> (an Anthropic client on an Anthropic
    /// upstream), anthropic-version and anthropic-beta; in particular never its key.
    /// </summary>
    private static void PrepareHeaders(HttpRequest client, HttpRequestMessage request, Route route, bool stream, bool anthropic,
        bool forwardAnthropicHeaders)
    {
        if (anthropic)
        {
            if (!string.IsNullOrEmpty(route.Provider.ApiKey))
            {
                request.Headers.TryAddWithoutValidation("x-api-key", route.Provider.ApiKey);
            }

            var version = forwardAnthropicHeaders ? client.Headers["anthropic-version"] : default;
            request.Headers.TryAddWithoutValidation("anthropic-version", version.Count == 1 && !string.IsNullOrWhiteSpace(version[0])
                ? version[0]
                : DefaultAnthropicVersion);
            var beta = forwardAnthropicHeaders ? client.Headers["anthropic-beta"] : default;
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
        using var scanner = new SseScanner(exchange.Request.ClientIncludeUsage, dialect: exchange.Kind.Dialect());
        var writer = attempt.Context.Response.BodyWriter;
        var started = false;
        StreamEnd end;
        var (upstream, failed) = await OpenStreamAsync(attempt, response).ConfigureAwait(false);
        if (upstream is null)
        {
            return failed;
        }

        while (true)
        {
            var memory = scanner.GetReadMemory();
            if (memory.IsEmpty)
            {
                end = StreamEnd.Garbage; // a single event larger than the limit
                break;
            }

            var (read, readEnd) = await ReadChunkAsync(attempt, upstream, memory).ConfigureAwait(false);
            if (readEnd is { } stop)
            {
                end = stop;
                break;
            }

            scanner.Advance(read);
            var final = read == 0;
            var emitted = Emit(attempt, scanner, writer, final, ref started);
            if (emitted.Wrote && !await FlushAsync(attempt, writer).ConfigureAwait(false))
            {
                end = StreamEnd.ClientGone;
                break;
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

        attempt.Timeout.CancelAfter(Timeout.InfiniteTimeSpan);
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

        return await EndStreamMidwayAsync(attempt, error, reason, writeErrorEvent: !scanner.SawErrorEvent).ConfigureAwait(false);
    }

    /// <summary>After the first byte: say so in the stream (unless the upstream already did, in the client's wire),
    /// then abort the connection so the client cannot mistake the truncated stream for a complete one.</summary>
    private async Task<ForwardResult> EndStreamMidwayAsync(Attempt attempt, ApiError error, string reason, bool writeErrorEvent)
    {
        var exchange = attempt.Exchange;
        Log.StreamInterrupted(logger, exchange.RequestId, exchange.ProviderTag, reason);
        exchange.HttpStatus = error.Status;
        exchange.Outcome = UsageOutcome.Failed;
        attempt.Activity?.SetStatus(ActivityStatusCode.Error, reason);
        try
        {
            if (writeErrorEvent)
            {
                await attempt.Context.Response.BodyWriter.WriteAsync(ErrorResponses.SseErrorEvent(error, exchange.ErrorFormat), attempt.RequestAborted)
                    .ConfigureAwait(false);
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

    /// <summary>Checks that a 2xx answer is an event stream and opens it within the idle timeout; null when the
    /// client has been answered (or the attempt should be retried).</summary>
    private async Task<(Stream? Stream, ForwardResult Failed)> OpenStreamAsync(Attempt attempt, HttpResponseMessage response)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && !mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return (null, await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamInvalidResponse(), $"stream answered as {mediaType}",
                retryable: true).ConfigureAwait(false));
        }

        var timeout = attempt.Timeout;
        try
        {
            timeout.CancelAfter(_idleTimeout);
            return (await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false), ForwardResult.Done);
        }
        catch (OperationCanceledException)
        {
            return (null, attempt.RequestAborted.IsCancellationRequested
                ? ClientGone(attempt)
                : await FailBeforeFirstByteAsync(attempt, ApiErrors.UpstreamTimeout(), "stream idle timeout", retryable: true).ConfigureAwait(false));
        }
    }

    /// <summary>One read from the upstream stream with the idle timer armed; an end when the read failed.</summary>
    private async ValueTask<(int Read, StreamEnd? End)> ReadChunkAsync(Attempt attempt, Stream upstream, Memory<byte> memory)
    {
        var timeout = attempt.Timeout;
        timeout.CancelAfter(_idleTimeout);
        try
        {
            var read = await upstream.ReadAsync(memory, timeout.Token).ConfigureAwait(false);
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            return (read, null);
        }
        catch (OperationCanceledException)
        {
            return (0, attempt.RequestAborted.IsCancellationRequested ? StreamEnd.ClientGone : StreamEnd.IdleTimeout);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return (0, StreamEnd.Cut);
        }
    }

    /// <summary>Flushes what was written for the client; false when the client went away.</summary>
    private static async ValueTask<bool> FlushAsync(Attempt attempt, PipeWriter writer)
    {
        try
        {
            var flush = await writer.FlushAsync(attempt.RequestAborted).ConfigureAwait(false);
            return !(flush.IsCompleted || flush.IsCanceled);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return false;
        }
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
