using System.Globalization;
using System.Text.Json;
using Gateway.Auth.V1;
using Gateway.Ingress.Buffers;
using Gateway.Ingress.Chat;
using Gateway.Ingress.Dependencies;
using Gateway.Ingress.Errors;
using Gateway.Ingress.Telemetry;
using Gateway.Routing.V1;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gateway.Ingress.Models;

/// <summary>
/// <c>GET /v1/models</c> and <c>GET /v1/models/{id}</c>: the catalog's public models and their aliases (each alias is
/// listed as a model of its own, so every name a client may send appears), filtered by the key's allowlist the way
/// requests are (a name is listed when the allowlist is empty, names it, or names the model it is an alias of).
/// OpenAI's shape by default; Anthropic's when the request carries an <c>anthropic-version</c> header. The key is
/// verified like on every surface; listing takes no quota.
/// </summary>
internal sealed class ModelsEndpoint(
    IKeyVerifier keys,
    IRouteResolver routes,
    IOptions<IngressOptions> options,
    ILogger<ModelsEndpoint> logger)
{
    public const string AnthropicVersionHeader = "anthropic-version";

    private readonly IngressOptions _options = options.Value;

    public Task ListAsync(HttpContext context) => HandleAsync(context, id: null);

    public Task GetAsync(HttpContext context) =>
        HandleAsync(context, context.Request.RouteValues["id"] as string ?? string.Empty);

    private async Task HandleAsync(HttpContext context, string? id)
    {
        var requestId = RequestIds.Assign(context);
        var anthropic = context.Request.Headers.ContainsKey(AnthropicVersionHeader);
        var format = anthropic ? ErrorFormat.Anthropic : ErrorFormat.OpenAi;
        var ct = context.RequestAborted;

        var keyResult = ApiKeyReader.TryRead(context.Request.Headers, out var apiKey);
        if (keyResult != ApiKeyReader.Result.Found)
        {
            await ErrorResponses.TryWriteAsync(context.Response,
                keyResult == ApiKeyReader.Result.Missing ? ApiErrors.MissingApiKey() : ApiErrors.InvalidApiKey(), format, ct).ConfigureAwait(false);
            return;
        }

        ApiKey key;
        ListModelsResponse catalog;
        using (var deadline = new DependencyDeadline(
            TimeSpan.FromMilliseconds(_options.DependencyTimeoutMs), TimeSpan.FromMilliseconds(_options.PreUpstreamBudgetMs), ct))
        {
            try
            {
                var verified = await deadline.CallAsync(DependencyNames.Auth, (keys, apiKey),
                    static (s, token) => s.keys.VerifyAsync(s.apiKey, token)).ConfigureAwait(false);
                if (verified.Result != VerifyResult.Valid || verified.Key is null)
                {
                    await ErrorResponses.TryWriteAsync(context.Response,
                        verified.Result == VerifyResult.Revoked ? ApiErrors.RevokedApiKey() : ApiErrors.InvalidApiKey(), format, ct).ConfigureAwait(false);
                    return;
                }

                key = verified.Key;
                catalog = await deadline.CallAsync(DependencyNames.Routing, routes,
                    static (r, token) => r.ListModelsAsync(token)).ConfigureAwait(false);
            }
            catch (DependencyUnavailableException ex)
            {
                Log.DependencyUnavailable(logger, requestId, ex.Dependency, ex);
                context.Response.Headers[HeaderNames.RetryAfter] = "1";
                await ErrorResponses.TryWriteAsync(context.Response, ApiErrors.DependencyUnavailable(ex.Dependency), format, ct).ConfigureAwait(false);
                return;
            }
        }

        var visible = Visible(catalog, key);
        using var body = new PooledBufferWriter(256 + (visible.Count * 160));
        using (var writer = new Utf8JsonWriter(body))
        {
            if (id is null)
            {
                WriteList(writer, visible, anthropic);
            }
            else
            {
                var found = visible.FindIndex(m => string.Equals(m.Id, id, StringComparison.Ordinal));
                if (found < 0)
                {
                    await ErrorResponses.TryWriteAsync(context.Response, ApiErrors.ModelNotFound(id), format, ct).ConfigureAwait(false);
                    return;
                }

                WriteModel(writer, visible[found], anthropic);
            }
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = body.WrittenCount;
        try
        {
            await response.Body.WriteAsync(body.WrittenMemory, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away.
        }
    }

    /// <summary>One listed name: a public model id or one of its aliases.</summary>
    internal readonly record struct ListedModel(string Id, string OwnedBy, long CreatedUnix);

    /// <summary>Public ids and aliases, in catalog order (each model, then its aliases), deduplicated, that the key may use.</summary>
    internal static List<ListedModel> Visible(ListModelsResponse catalog, ApiKey key)
    {
        var allowed = key.AllowedModels;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<ListedModel>(catalog.Models.Count);
        foreach (var model in catalog.Models)
        {
            var modelAllowed = allowed.Count == 0 || allowed.Contains(model.Id);
            Add(model.Id, model, modelAllowed);
            foreach (var alias in model.Aliases)
            {
                Add(alias, model, modelAllowed || allowed.Contains(alias));
            }
        }

        return list;

        void Add(string name, ModelInfo model, bool ok)
        {
            if (ok && !string.IsNullOrEmpty(name) && seen.Add(name))
            {
                list.Add(new ListedModel(name, model.OwnedBy, model.CreatedUnix));
            }
        }
    }

    private static void WriteList(Utf8JsonWriter writer, List<ListedModel> models, bool anthropic)
    {
        writer.WriteStartObject();
        if (!anthropic)
        {
            writer.WriteString("object"u8, "list"u8);
        }

        writer.WriteStartArray("data"u8);
        foreach (var model in models)
        {
            WriteModel(writer, model, anthropic);
        }

        writer.WriteEndArray();
        if (anthropic)
        {
            writer.WriteBoolean("has_more"u8, false);
            if (models.Count == 0)
            {
                writer.WriteNull("first_id"u8);
                writer.WriteNull("last_id"u8);
            }
            else
            {
                writer.WriteString("first_id"u8, models[0].Id);
                writer.WriteString("last_id"u8, models[^1].Id);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter writer, in ListedModel model, bool anthropic)
    {
        writer.WriteStartObject();
        if (anthropic)
        {
            writer.WriteString("type"u8, "model"u8);
            writer.WriteString("id"u8, model.Id);
            writer.WriteString("display_name"u8, model.Id);
            writer.WriteString("created_at"u8, DateTimeOffset.FromUnixTimeSeconds(model.CreatedUnix)
                .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteString("id"u8, model.Id);
            writer.WriteString("object"u8, "model"u8);
            writer.WriteNumber("created"u8, model.CreatedUnix);
            writer.WriteString("owned_by"u8, string.IsNullOrEmpty(model.OwnedBy) ? "gateway" : model.OwnedBy);
        }

        writer.WriteEndObject();
    }
}
