using System.Text.Json;

namespace Gateway.Translation;

/// <summary>Reads an upstream's non-2xx error body so it can be answered in another wire's envelope.</summary>
public static partial class UpstreamErrors
{
    /// <summary>
    /// Reads an error envelope of <paramref name="upstream"/>'s wire (<c>{"error":{...}}</c> for OpenAI wires,
    /// <c>{"type":"error","error":{...}}</c> for Anthropic) into a <see cref="TranslationError"/> with
    /// <paramref name="status"/>, the type mapped to OpenAI's vocabulary and the provider's message. False when the
    /// body is not such an envelope.
    /// </summary>
    public static bool TryRead(Wire upstream, int status, ReadOnlySpan<byte> body, out TranslationError error)
    {
        error = default;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            // Either envelope is accepted whatever the wire: OpenAI-compatible providers and Anthropic's own
            // OpenAI-compatible endpoint mix them.
            _ = upstream;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isError && reader.TokenType == JsonTokenType.StartObject)
                {
                    error = ReadErrorObject(ref reader, status);
                    return true;
                }

                if (isError && reader.TokenType == JsonTokenType.String)
                {
                    // A bare {"error": "message"} as some OpenAI-compatible servers send it.
                    error = Make(status, null, null, reader.GetString(), null);
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        catch (InvalidOperationException)
        {
        }

        return false;
    }

    /// <summary>The OpenAI-vocabulary type of an Anthropic error type (<c>overloaded_error</c> stays as it is).</summary>
    public static string ToOpenAiType(string? type, int status) => type switch
    {
        "invalid_request_error" when status is not (401 or 403 or 404 or 429) => "invalid_request_error",
        "authentication_error" or "invalid_api_key" => "authentication_error",
        "permission_error" or "permission_denied" or "billing_error" => "permission_error",
        "not_found_error" or "model_not_found" => "not_found_error",
        "rate_limit_error" or "rate_limit_exceeded" or "requests" or "tokens" or "insufficient_quota" => "rate_limit_error",
        "overloaded_error" or "overloaded" => "overloaded_error",
        "request_too_large" => "invalid_request_error",
        "api_error" or "server_error" or "timeout_error" or "internal_error" => status is 503 or 529 ? "overloaded_error" : "api_error",
        _ => FromStatus(status),
    };

    /// <summary>The Anthropic error type for an error in the gateway's (OpenAI) vocabulary.</summary>
    public static string ToAnthropicType(in TranslationError error) => error.Code switch
    {
        "billing_error" or "request_too_large" or "timeout_error" => error.Code,
        _ => error.Type switch
        {
            "invalid_request_error" or "authentication_error" or "permission_error" or "not_found_error"
                or "rate_limit_error" or "overloaded_error" or "api_error" => error.Type,
            _ => "api_error",
        },
    };

    private static string FromStatus(int status) => status switch
    {
        401 => "authentication_error",
        402 or 403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        >= 500 => "api_error",
        >= 400 => "invalid_request_error",
        _ => "api_error",
    };

    private static int StatusOf(string type) => type switch
    {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "permission_error" => 403,
        "not_found_error" => 404,
        "rate_limit_error" => 429,
        "overloaded_error" => 529,
        _ => 500,
    };

    /// <summary>Builds an error from a provider's fields; <paramref name="status"/> 0 (an error event inside a 200
    /// stream) derives the status from the type.</summary>
    internal static TranslationError Make(int status, string? rawType, string? code, string? message, string? param)
    {
        var type = ToOpenAiType(rawType ?? code, status);
        if (status == 0)
        {
            status = StatusOf(type);
        }

        return new TranslationError(status, type, code ?? rawType ?? type, message ?? "The upstream provider reported an error.", param);
    }

    /// <summary>Reads an error object (<c>{type, code, message, param}</c>) at the reader's StartObject.</summary>
    internal static TranslationError ReadErrorObject(ref Utf8JsonReader reader, int status)
    {
        string? type = null, code = null, message = null, param = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                code = reader.TokenType == JsonTokenType.Number ? reader.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                message = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("param"u8))
            {
                reader.Read();
                param = StringOrNull(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return Make(status, type, code, message, param);
    }

    private static string? StringOrNull(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }
}
