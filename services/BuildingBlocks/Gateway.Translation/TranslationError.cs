namespace Gateway.Translation;

/// <summary>
/// An error in wire-neutral terms, rendered by the caller in the client surface's own envelope. <see cref="Type"/> uses
/// OpenAI's vocabulary (<c>invalid_request_error</c>, <c>authentication_error</c>, <c>permission_error</c>,
/// <c>not_found_error</c>, <c>rate_limit_error</c>, <c>api_error</c>, <c>overloaded_error</c>); <see cref="Param"/>
/// names the offending field as a JSON path in the client's request (e.g. <c>messages[2].content[0].type</c>).
/// </summary>
public readonly record struct TranslationError(int Status, string Type, string Code, string Message, string? Param = null);
