namespace Gateway.Ingress.Errors;

/// <summary>Every error the OpenAI surface answers with, in one place.</summary>
internal static class ApiErrors
{
    public static ApiError InvalidJson() => new(400, ErrorTypes.InvalidRequest, "invalid_json",
        "We could not parse the JSON body of your request. The body must be a JSON object.");

    public static ApiError EmptyBody() => new(400, ErrorTypes.InvalidRequest, "invalid_json",
        "The request body is empty. Send a JSON object.");

    public static ApiError MissingParameter(string param) => new(400, ErrorTypes.InvalidRequest, "missing_required_parameter",
        $"Missing required parameter: '{param}'.", param);

    public static ApiError InvalidType(string param, string expected) => new(400, ErrorTypes.InvalidRequest, "invalid_type",
        $"Invalid type for '{param}': expected {expected}.", param);

    public static ApiError InvalidValue(string param, string message) => new(400, ErrorTypes.InvalidRequest, "invalid_value",
        message, param);

    public static ApiError DuplicateParameter(string param) => new(400, ErrorTypes.InvalidRequest, "duplicate_parameter",
        $"The parameter '{param}' appears more than once.", param);

    public static ApiError BadRequest(string message) => new(400, ErrorTypes.InvalidRequest, "bad_request", message);

    public static ApiError MissingApiKey() => new(401, ErrorTypes.InvalidRequest, "missing_api_key",
        "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.");

    public static ApiError InvalidApiKey() => new(401, ErrorTypes.InvalidRequest, "invalid_api_key",
        "Incorrect API key provided.");

    public static ApiError RevokedApiKey() => new(401, ErrorTypes.InvalidRequest, "invalid_api_key",
        "The API key provided has been revoked.");

    public static ApiError ModelNotAllowed(string model) => new(403, ErrorTypes.Permission, "model_not_allowed",
        $"This API key is not allowed to use the model '{model}'.", "model");

    public static ApiError ModelNotFound(string model) => new(404, ErrorTypes.InvalidRequest, "model_not_found",
        $"The model '{model}' does not exist or you do not have access to it.", "model");

    public static ApiError UnknownUrl(string method, string path) => new(404, ErrorTypes.InvalidRequest, "unknown_url",
        $"Unknown request URL: {method} {path}.");

    public static ApiError BodyTooLarge(long limit) => new(413, ErrorTypes.InvalidRequest, "request_too_large",
        $"The request body exceeds the limit of {limit} bytes.");

    public static ApiError RateLimited() => new(429, ErrorTypes.RateLimit, "rate_limit_exceeded",
        "Rate limit reached for requests. Retry after the time given in the retry-after header.");

    public static ApiError Internal() => new(500, ErrorTypes.Api, "internal_error",
        "The gateway failed to process the request.");

    public static ApiError UpstreamUnreachable() => new(502, ErrorTypes.Api, "upstream_unreachable",
        "The upstream provider could not be reached.");

    public static ApiError UpstreamInvalidResponse() => new(502, ErrorTypes.Api, "upstream_invalid_response",
        "The upstream provider returned a response the gateway could not understand.");

    public static ApiError UpstreamError(int upstreamStatus) => new(502, ErrorTypes.Api, "upstream_error",
        $"The upstream provider failed with HTTP {upstreamStatus}.");

    public static ApiError UpstreamRejectedCredentials(int upstreamStatus) => new(502, ErrorTypes.Api, "upstream_auth_failed",
        $"The upstream provider rejected the gateway's credentials (HTTP {upstreamStatus}).");

    public static ApiError UpstreamStreamInterrupted() => new(502, ErrorTypes.Api, "upstream_stream_interrupted",
        "The upstream provider ended the stream before it was complete.");

    public static ApiError TranslationNotAvailable(string model, string upstreamWire, string surfaceWire) => new(400,
        ErrorTypes.InvalidRequest, "translation_not_available",
        $"The model '{model}' is served by an upstream that speaks {upstreamWire}; this API speaks {surfaceWire}, and translation " +
        "between them is not available yet. Use this model through its own API, or pick a model served over this one.", "model");

    public static ApiError CapabilityNotSupported(string model, string capability, string param) => new(400,
        ErrorTypes.InvalidRequest, "unsupported_capability",
        $"The model '{model}' does not support {capability} (see '{param}'). Pick a model that does, or leave it out of the request.",
        param);

    public static ApiError RouteMisconfigured(string model) => new(502, ErrorTypes.Api, "route_misconfigured",
        $"The route for the model '{model}' has no usable upstream address.");

    public static ApiError DependencyUnavailable(string dependency) => new(503, ErrorTypes.Api, "service_unavailable",
        $"The gateway's {dependency} service is unavailable. Please retry.");

    public static ApiError UpstreamTimeout() => new(504, ErrorTypes.Api, "upstream_timeout",
        "The upstream provider did not answer in time.");
}

/// <summary>The catalog's names of the upstream wire kinds.</summary>
internal static class WireNames
{
    public static string Of(Gateway.Routing.V1.WireKind wire) => wire switch
    {
        Gateway.Routing.V1.WireKind.OpenaiChat => "openai-chat",
        Gateway.Routing.V1.WireKind.AnthropicMessages => "anthropic-messages",
        Gateway.Routing.V1.WireKind.OpenaiResponses => "openai-responses",
        _ => "an unspecified wire",
    };
}
