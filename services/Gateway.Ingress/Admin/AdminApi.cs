using System.Text.Json;
using Gateway.Auth.V1;
using Gateway.Ingress.Dependencies;
using Gateway.Ingress.Errors;
using Gateway.Ingress.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gateway.Ingress.Admin;

/// <summary>
/// The admin API, on the admin listener only (see <c>ListenerSeparation</c>) and behind <see cref="AdminTokenFilter"/>:
/// create, read and revoke keys (Auth) and read a key's usage (Metering).
/// </summary>
internal static class AdminApi
{
    private const int MaxBodyBytes = 64 * 1024;
    private const int MaxTenantIdLength = 128;
    private const int MaxNameLength = 256;
    private const int MaxAllowedModels = 1000;

    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin");
        group.AddEndpointFilter<AdminTokenFilter>();
        group.MapPost("/keys", CreateKeyAsync);
        group.MapGet("/keys/{keyId}", GetKeyAsync);
        group.MapDelete("/keys/{keyId}", RevokeKeyAsync);
        group.MapGet("/keys/{keyId}/usage", GetUsageAsync);
        return group;
    }

    public static JsonHttpResult<OpenAiErrorEnvelope> Error(ApiError error) =>
        TypedResults.Json(error.ToEnvelope(), ErrorJsonContext.Default.OpenAiErrorEnvelope, statusCode: error.Status);

    private static ApiError KeyNotFound(string keyId) =>
        new(StatusCodes.Status404NotFound, ErrorTypes.InvalidRequest, "key_not_found", $"No key with id '{keyId}'.", "keyId");

    private static ApiError Invalid(string param, string message) =>
        new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest, "invalid_value", message, param);

    internal static async Task<Results<JsonHttpResult<CreatedKeyDto>, JsonHttpResult<OpenAiErrorEnvelope>>> CreateKeyAsync(
        HttpContext context, IKeyAdmin admin, IOptions<IngressOptions> options, ILogger<AdminLogCategory> logger)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = MaxBodyBytes;
        }

        CreateKeyBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(context.Request.Body, AdminJsonContext.Default.CreateKeyBody, context.RequestAborted)
                .ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return Error(ApiErrors.InvalidJson());
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Error(ApiErrors.BodyTooLarge(MaxBodyBytes));
        }

        if (body is null)
        {
            return Error(ApiErrors.InvalidJson());
        }

        if (string.IsNullOrWhiteSpace(body.TenantId) || body.TenantId.Length > MaxTenantIdLength)
        {
            return Error(Invalid("tenantId", $"'tenantId' is required (1 to {MaxTenantIdLength} characters)."));
        }

        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > MaxNameLength)
        {
            return Error(Invalid("name", $"'name' is required (1 to {MaxNameLength} characters)."));
        }

        if (body.RpmLimit is < 0)
        {
            return Error(Invalid("rpmLimit", "'rpmLimit' must not be negative (0 means the service default)."));
        }

        var request = new CreateKeyRequest { TenantId = body.TenantId, Name = body.Name, RpmLimit = body.RpmLimit ?? 0 };
        if (body.AllowedModels is { } models)
        {
            if (models.Count > MaxAllowedModels)
            {
                return Error(Invalid("allowedModels", $"'allowedModels' may hold at most {MaxAllowedModels} models."));
            }

            foreach (var model in models)
            {
                if (string.IsNullOrWhiteSpace(model))
                {
                    return Error(Invalid("allowedModels", "'allowedModels' must not contain empty names."));
                }

                request.AllowedModels.Add(model);
            }
        }

        using var deadline = NewDeadline(context, options);
        CreateKeyResponse created;
        try
        {
            created = await deadline.CallAsync(DependencyNames.Auth, (admin, request),
                static (s, ct) => s.admin.CreateKeyAsync(s.request, ct)).ConfigureAwait(false);
        }
        catch (DependencyUnavailableException ex)
        {
            Log.AdminDependencyUnavailable(logger, ex.Dependency, ex);
            return Error(ApiErrors.DependencyUnavailable(ex.Dependency));
        }
        catch (DependencyRejectedException ex)
        {
            // Auth validates what it stores (tenant id, name, rpm limit range) and says what is wrong.
            return Error(ApiErrors.BadRequest(ex.Message));
        }

        if (created.Key is null || string.IsNullOrEmpty(created.ApiKey))
        {
            throw new InvalidOperationException("Auth created a key but returned no key or secret.");
        }

        context.Response.Headers[HeaderNames.Location] = $"/admin/keys/{Uri.EscapeDataString(created.Key.KeyId)}";
        return TypedResults.Json(new CreatedKeyDto(KeyDto.From(created.Key), created.ApiKey),
            AdminJsonContext.Default.CreatedKeyDto, statusCode: StatusCodes.Status201Created);
    }

    internal static async Task<Results<JsonHttpResult<KeyDto>, JsonHttpResult<OpenAiErrorEnvelope>>> GetKeyAsync(
        string keyId, HttpContext context, IKeyAdmin admin, IOptions<IngressOptions> options, ILogger<AdminLogCategory> logger)
    {
        using var deadline = NewDeadline(context, options);
        try
        {
            var found = await deadline.CallAsync(DependencyNames.Auth, (admin, keyId),
                static (s, ct) => s.admin.GetKeyAsync(s.keyId, ct)).ConfigureAwait(false);
            return found.Found && found.Key is not null
                ? TypedResults.Json(KeyDto.From(found.Key), AdminJsonContext.Default.KeyDto)
                : Error(KeyNotFound(keyId));
        }
        catch (DependencyUnavailableException ex)
        {
            Log.AdminDependencyUnavailable(logger, ex.Dependency, ex);
            return Error(ApiErrors.DependencyUnavailable(ex.Dependency));
        }
    }

    internal static async Task<Results<NoContent, JsonHttpResult<OpenAiErrorEnvelope>>> RevokeKeyAsync(
        string keyId, HttpContext context, IKeyAdmin admin, IOptions<IngressOptions> options, ILogger<AdminLogCategory> logger)
    {
        using var deadline = NewDeadline(context, options);
        try
        {
            var revoked = await deadline.CallAsync(DependencyNames.Auth, (admin, keyId),
                static (s, ct) => s.admin.RevokeKeyAsync(s.keyId, ct)).ConfigureAwait(false);
            return revoked.Found ? TypedResults.NoContent() : Error(KeyNotFound(keyId));
        }
        catch (DependencyUnavailableException ex)
        {
            Log.AdminDependencyUnavailable(logger, ex.Dependency, ex);
            return Error(ApiErrors.DependencyUnavailable(ex.Dependency));
        }
    }

    internal static async Task<Results<JsonHttpResult<UsageDto>, JsonHttpResult<OpenAiErrorEnvelope>>> GetUsageAsync(
        string keyId, HttpContext context, IKeyAdmin admin, IUsageReader usage, IOptions<IngressOptions> options,
        ILogger<AdminLogCategory> logger)
    {
        using var deadline = NewDeadline(context, options);
        try
        {
            var found = await deadline.CallAsync(DependencyNames.Auth, (admin, keyId),
                static (s, ct) => s.admin.GetKeyAsync(s.keyId, ct)).ConfigureAwait(false);
            if (!found.Found)
            {
                return Error(KeyNotFound(keyId));
            }

            var summary = await deadline.CallAsync(DependencyNames.Metering, (usage, keyId),
                static (s, ct) => s.usage.GetUsageAsync(s.keyId, ct)).ConfigureAwait(false);
            return TypedResults.Json(UsageDto.From(keyId, summary), AdminJsonContext.Default.UsageDto);
        }
        catch (DependencyUnavailableException ex)
        {
            Log.AdminDependencyUnavailable(logger, ex.Dependency, ex);
            return Error(ApiErrors.DependencyUnavailable(ex.Dependency));
        }
    }

    private static DependencyDeadline NewDeadline(HttpContext context, IOptions<IngressOptions> options) => new(
        TimeSpan.FromMilliseconds(options.Value.DependencyTimeoutMs),
        TimeSpan.FromMilliseconds(options.Value.PreUpstreamBudgetMs),
        context.RequestAborted);
}

/// <summary>The log category of the admin handlers.</summary>
internal sealed class AdminLogCategory;
