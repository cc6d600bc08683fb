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
