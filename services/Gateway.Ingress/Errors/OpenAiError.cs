using System.Text.Json.Serialization;

namespace Gateway.Ingress.Errors;

/// <summary>The OpenAI error envelope: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed record OpenAiErrorEnvelope(
    [property: JsonPropertyName("error")] OpenAiError Error);

internal sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(OpenAiErrorEnvelope))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;

/// <summary>The <c>type</c> values of the envelope. OpenAI's own: 400/401/404/413 are invalid requests, 429 is
/// <c>requests</c>; the gateway's own 5xx answers are <c>api_error</c> with a specific <c>code</c>.</summary>
internal static class ErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Permission = "permission_error";
    public const string RateLimit = "requests";
    public const string Api = "api_error";
}

/// <summary>An error answer: HTTP status plus envelope fields. Built on error paths only.</summary>
internal readonly record struct ApiError(int Status, string Type, string? Code, string Message, string? Param = null)
{
    public OpenAiErrorEnvelope ToEnvelope() => new(new OpenAiError(Message, Type, Param, Code));
}

/// <summary>Anthropic's error <c>type</c> for a gateway error, chosen by status: 400 invalid_request_error,
/// 401 authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
/// 503 and 529 overloaded_error, anything else (500, 502, 504) api_error.</summary>
internal static class AnthropicErrorTypes
{
    public static string For(in ApiError error) => error.Status switch
    {
        400 or 422 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        _ => "api_error",
    };
}
