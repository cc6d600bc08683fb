using System.Diagnostics;
using Gateway.Auth.V1;
using Gateway.Contracts;
using Gateway.Ingress.Chat;
using Gateway.Ingress.Dependencies;
using Gateway.Ingress.Errors;
using Gateway.Ingress.Telemetry;
using Gateway.Ingress.Upstream;
using Gateway.Ingress.Usage;
using Gateway.Quota.V1;
using Gateway.Routing.V1;
using Gateway.Translation;
using Route = Gateway.Routing.V1.Route;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gateway.Ingress.Surfaces;

/// <summary>
/// The one request pipeline of every relayed surface (<see cref="ApiSurface"/>): chat completions, embeddings,
/// Anthropic messages and count_tokens, responses, image generation. Key present → body read (413) and parsed (400) →
/// key verified (401) → model allowed for the key (403) → quota admitted (429) → route resolved (404) → for a route of
/// another wire, the request parsed into the canonical model (400 naming the field) → the model has the capabilities
/// the request needs (400, <see cref="CapabilityCheck"/>) → upstream called: relayed byte for byte on the same wire,
/// translated both ways for chat/messages/responses on another wire (embeddings and images have no translation: 400
/// translation_not_available; count_tokens answers an estimate). Errors are rendered in the
/// surface's envelope; every metered request that reached an upstream ends with exactly one usage event.
/// </summary>
internal sealed class SurfaceEndpoint(
    IKeyVerifier keys,
    IQuotaGate quota,
    IRouteResolver routes,
    UpstreamForwarder forwarder,
    IUsageSink usageSink,
    IngressTelemetry telemetry,
    IOptions<IngressOptions> options,
    TimeProvider time,
    ILogger<SurfaceEndpoint> logger)
{
    public const string TokenEstimateHeader = "x-gateway-token-estimate";

    private readonly IngressOptions _options = options.Value;

    public Task HandleChatAsync(HttpContext context) => HandleAsync(context, ApiSurface.OpenAiChat);

    public Task HandleEmbeddingsAsync(HttpContext context) => HandleAsync(context, ApiSurface.OpenAiEmbeddings);

    public Task HandleMessagesAsync(HttpContext context) => HandleAsync(context, ApiSurface.AnthropicMessages);

    public Task HandleCountTokensAsync(HttpContext context) => HandleAsync(context, ApiSurface.AnthropicCountTokens);

    public Task HandleResponsesAsync(HttpContext context) => HandleAsync(context, ApiSurface.OpenAiResponses);

    public Task HandleImagesAsync(HttpContext context) => HandleAsync(context, ApiSurface.OpenAiImages);

    private async Task HandleAsync(HttpContext context, ApiSurface surface)
    {
        using var exchange = new ChatExchange(RequestIds.Assign(context), surface, time.GetUtcNow());
        try
        {
            await HandleCoreAsync(context, exchange).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            exchange.HttpStatus = ChatExchange.ClientClosedRequest;
            exchange.Outcome = UsageOutcome.Aborted;
        }
        catch (Exception ex)
        {
            Log.RequestFailed(logger, exchange.RequestId, ex);
            exchange.HttpStatus = StatusCodes.Status500InternalServerError;
            exchange.Outcome = UsageOutcome.Failed;
            if (!await ErrorResponses.TryWriteAsync(context.Response, ApiErrors.Internal(), exchange.ErrorFormat, context.RequestAborted)
                    .ConfigureAwait(false))
            {
                context.Abort();
            }
        }
        finally
        {
            Settle(context, exchange);
        }
    }

    private async Task HandleCoreAsync(HttpContext context, ChatExchange exchange)
    {
        var ct = context.RequestAborted;

        // A request without a key is refused before its body is read.
        var keyResult = ApiKeyReader.TryRead(context.Request.Headers, out var apiKey);
        if (keyResult != ApiKeyReader.Result.Found)
        {
            await FailAsync(context, exchange, keyResult == ApiKeyReader.Result.Missing ? ApiErrors.MissingApiKey() : ApiErrors.InvalidApiKey())
                .ConfigureAwait(false);
            return;
        }

        var (bodyStatus, body) = await RequestBodyReader.ReadAsync(context, _options.MaxRequestBodyBytes, ct).ConfigureAwait(false);
        switch (bodyStatus)
        {
            case BodyReadStatus.TooLarge:
                await FailAsync(context, exchange, ApiErrors.BodyTooLarge(_options.MaxRequestBodyBytes)).ConfigureAwait(false);
                return;
            case BodyReadStatus.Malformed:
                await FailAsync(context, exchange, ApiErrors.BadRequest("The request body could not be read.")).ConfigureAwait(false);
                return;
            case BodyReadStatus.ClientGone:
                exchange.HttpStatus = ChatExchange.ClientClosedRequest;
                return;
        }

        exchange.Body = body;
        if (!ChatRequestReader.TryRead(body!.WrittenSpan, exchange.Kind.Shape(), out exchange.Request, out var parseError))
        {
            await FailAsync(context, exchange, parseError).ConfigureAwait(false);
            return;
        }

        var route = await AdmitAsync(context, exchange, apiKey).ConfigureAwait(false);
        if (route is null)
        {
            return;
        }

        // Candidates in order; failing over to the next one happens only before the first byte reached the client.
        // Routing resolves a single route today; a later issue adds more candidates here.
        IReadOnlyList<Route> candidates = [route];
        TranslatedCall? call = null;
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var more = i < candidates.Count - 1;
            var crossWire = !exchange.Kind.AcceptsWire(candidate.Provider.Wire);
            var translates = crossWire && exchange.Kind.Generates();

            // What the reader's pass saw is checked first (cheap, and before any translation work); a translated call
            // is checked again with what the canonical model saw.
            var unsupported = CapabilityCheck.Check(exchange.Kind, candidate, exchange.Request.UsesTools, exchange.Request.ToolsParam,
                exchange.Request.UsesImages, exchange.Request.ImagesParam, exchange.Request.UsesJson ? exchange.Request.JsonParam : null);
            if (unsupported is null && translates && call is null)
            {
                // Parsed once, for the first candidate of another wire; invalid requests answer 400 naming the field.
                var clientWire = exchange.Kind.ClientWire();
                if (!RequestTranslator.TryParse(clientWire, exchange.Body!.WrittenSpan, out var canonical, out var translationError))
                {
                    exchange.Route = candidate;
                    await FailAsync(context, exchange, UpstreamForwarder.ToApiError(translationError)).ConfigureAwait(false);
                    return;
                }

                call = new TranslatedCall(clientWire, canonical);
            }

            if (unsupported is null && translates)
            {
                unsupported = CapabilityCheck.Check(exchange.Kind, candidate, call!.Request.UsesTools,
                    exchange.Request.ToolsParam ?? exchange.Kind.ToolsField(), call.Request.UsesImages,
                    exchange.Request.ImagesParam ?? exchange.Kind.HistoryField());
            }

            if (unsupported is { } refused)
            {
                if (more)
                {
                    continue;
                }

                exchange.Route = candidate;
                await FailAsync(context, exchange, refused).ConfigureAwait(false);
                return;
            }

            ForwardResult result;
            if (translates)
            {
                result = await forwarder.ForwardTranslatedAsync(context, exchange, candidate, more, call!).ConfigureAwait(false);
            }
            else if (crossWire)
            {
                if (more)
                {
                    continue;
                }

                exchange.Route = candidate;
                if (exchange.Kind == ApiSurface.AnthropicCountTokens)
                {
                    await EstimateTokensAsync(context, exchange).ConfigureAwait(false);
                    return;
                }

                await FailAsync(context, exchange,
                    ApiErrors.TranslationNotAvailable(exchange.Request.Model, WireNames.Of(candidate.Provider.Wire), WireNames.Of(exchange.Kind.SameWire())))
                    .ConfigureAwait(false);
                return;
            }
            else
            {
                result = await forwarder.ForwardAsync(context, exchange, candidate, more).ConfigureAwait(false);
            }

            if (result == ForwardResult.Done)
            {
                return;
            }
        }
    }

    /// <summary>Auth, allowlist, quota and routing, within the pre-upstream budget. Returns null when it answered.</summary>
    private async Task<Route?> AdmitAsync(HttpContext context, ChatExchange exchange, string apiKey)
    {
        using var deadline = new DependencyDeadline(
            TimeSpan.FromMilliseconds(_options.DependencyTimeoutMs),
            TimeSpan.FromMilliseconds(_options.PreUpstreamBudgetMs),
            context.RequestAborted);
        var model = exchange.Request.Model;
        try
        {
            var verified = await deadline.CallAsync(DependencyNames.Auth, (keys, apiKey),
                static (s, ct) => s.keys.VerifyAsync(s.apiKey, ct)).ConfigureAwait(false);
            if (verified.Result != VerifyResult.Valid || verified.Key is null)
            {
                await FailAsync(context, exchange,
                    verified.Result == VerifyResult.Revoked ? ApiErrors.RevokedApiKey() : ApiErrors.InvalidApiKey()).ConfigureAwait(false);
                return null;
            }

            var key = verified.Key;
            exchange.Key = key;

            // The allowlist names public models; when the requested name is not on it, it may be an alias of one
            // that is, so resolve first (an unknown model is then a 403, not a 404: the key cannot use it anyway).
            ResolveResponse? resolved = null;
            if (!Allows(key, model))
            {
                resolved = await ResolveAsync(deadline, model).ConfigureAwait(false);
                if (!resolved.Found || resolved.Route is null || !Allows(key, resolved.Route.Model))
                {
                    await FailAsync(context, exchange, ApiErrors.ModelNotAllowed(model)).ConfigureAwait(false);
                    return null;
                }
            }

            var admitted = await deadline.CallAsync(DependencyNames.Quota,
                (quota, new AdmitRequest { KeyId = key.KeyId, RpmLimit = key.RpmLimit, RequestId = exchange.RequestId }),
                static (s, ct) => s.quota.AdmitAsync(s.Item2, ct)).ConfigureAwait(false);
            RateLimitHeaders.Apply(context.Response, admitted, time.GetUtcNow().ToUnixTimeMilliseconds());
            if (!admitted.Allowed)
            {
                await FailAsync(context, exchange, ApiErrors.RateLimited()).ConfigureAwait(false);
                return null;
            }

            resolved ??= await ResolveAsync(deadline, model).ConfigureAwait(false);
            if (!resolved.Found || resolved.Route is null)
            {
                await FailAsync(context, exchange, ApiErrors.ModelNotFound(model)).ConfigureAwait(false);
                return null;
            }

            var route = resolved.Route;
            exchange.Route = route;
            if (route.Provider is null || string.IsNullOrEmpty(route.UpstreamModel))
            {
                await FailAsync(context, exchange, ApiErrors.RouteMisconfigured(model)).ConfigureAwait(false);
                return null;
            }

            return route;
        }
        catch (DependencyUnavailableException ex)
        {
            Log.DependencyUnavailable(logger, exchange.RequestId, ex.Dependency, ex);
            context.Response.Headers[HeaderNames.RetryAfter] = "1";
            await FailAsync(context, exchange, ApiErrors.DependencyUnavailable(ex.Dependency)).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>count_tokens for a model whose upstream cannot count: ceil(body characters / 4), marked as an estimate.</summary>
    private static async ValueTask EstimateTokensAsync(HttpContext context, ChatExchange exchange)
    {
        var chars = System.Text.Encoding.UTF8.GetCharCount(exchange.Body!.WrittenSpan);
        var json = System.Text.Encoding.ASCII.GetBytes(
            "{\"input_tokens\":" + ((chars + 3L) / 4).ToString(System.Globalization.CultureInfo.InvariantCulture) + "}");
        var response = context.Response;
        exchange.HttpStatus = StatusCodes.Status200OK;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers[TokenEstimateHeader] = "true";
        response.ContentLength = json.Length;
        try
        {
            await response.Body.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away.
        }
    }

    private ValueTask<ResolveResponse> ResolveAsync(DependencyDeadline deadline, string model) =>
        deadline.CallAsync(DependencyNames.Routing, (routes, model), static (s, ct) => s.routes.ResolveAsync(s.model, ct));

    private static bool Allows(ApiKey key, string model) =>
        key.AllowedModels.Count == 0 || key.AllowedModels.Contains(model);

    private static async ValueTask FailAsync(HttpContext context, ChatExchange exchange, ApiError error)
    {
        exchange.HttpStatus = error.Status;
        await ErrorResponses.TryWriteAsync(context.Response, error, exchange.ErrorFormat, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The request is over: one usage event when an upstream was called, and the request metrics.</summary>
    private void Settle(HttpContext context, ChatExchange exchange)
    {
        var status = exchange.HttpStatus != 0 ? exchange.HttpStatus : context.Response.StatusCode;
        var model = exchange.ModelTag;
        var provider = exchange.ProviderTag;
        if (exchange.Attempted && exchange.Kind.Metered())
        {
            if (exchange.UsageEstimated)
            {
                Log.UsageEstimated(logger, exchange.RequestId, provider, exchange.Usage.Input, exchange.Usage.Output);
            }

            if (exchange.HttpStatus == 0)
            {
                exchange.HttpStatus = status;
            }

            usageSink.Record(exchange.ToUsageRecorded());
            telemetry.RecordUsage(model, provider, exchange.Usage, exchange.CostUsd());
            if (exchange.FirstTokenTimestamp != 0)
            {
                telemetry.RecordTimeToFirstToken(model, provider, exchange.Surface,
                    Stopwatch.GetElapsedTime(exchange.StartedTimestamp, exchange.FirstTokenTimestamp).TotalSeconds);
            }
        }

        telemetry.RecordRequest(model, provider, exchange.Surface, status,
            Stopwatch.GetElapsedTime(exchange.StartedTimestamp).TotalSeconds);
    }
}
