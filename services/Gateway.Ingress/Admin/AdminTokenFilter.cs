using System.Security.Cryptography;
using System.Text;
using Gateway.Ingress.Errors;
using Gateway.Ingress.Telemetry;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gateway.Ingress.Admin;

/// <summary>
/// Guards the admin API with <c>Authorization: Bearer &lt;Ingress:AdminToken&gt;</c>. Both sides are hashed
/// (SHA-256) and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither the content nor
/// the length of the token leaks through timing.
/// </summary>
internal sealed class AdminTokenFilter(IOptions<IngressOptions> options, ILogger<AdminTokenFilter> logger) : IEndpointFilter
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.AdminToken));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!IsAuthorized(context.HttpContext.Request.Headers))
        {
            Log.AdminUnauthorized(logger);
            context.HttpContext.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
            return AdminApi.Error(new ApiError(StatusCodes.Status401Unauthorized, ErrorTypes.InvalidRequest, "invalid_admin_token",
                "A valid admin token is required: 'Authorization: Bearer <token>'."));
        }

        return await next(context).ConfigureAwait(false);
    }

    private bool IsAuthorized(IHeaderDictionary headers)
    {
        var values = headers[HeaderNames.Authorization];
        if (values.Count != 1)
        {
            return false;
        }

        var value = values[0].AsSpan().Trim();
        if (value.Length <= 7 || !value[..7].Equals("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = value[7..].Trim();
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(token.ToArray());
        SHA256.HashData(bytes, actual);
        return CryptographicOperations.FixedTimeEquals(actual, _expected);
    }
}
