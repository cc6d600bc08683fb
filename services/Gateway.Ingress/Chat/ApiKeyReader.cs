using Microsoft.Net.Http.Headers;

namespace Gateway.Ingress.Chat;

/// <summary>
/// Takes the client's key from <c>Authorization: Bearer &lt;key&gt;</c> (OpenAI SDKs, Anthropic SDK 1.x) or
/// <c>x-api-key</c> (Anthropic SDK 0.x, Claude Code). Keys that cannot be valid (too long, not printable ASCII)
/// are refused here without a call to Auth.
/// </summary>
internal static class ApiKeyReader
{
    public const int MaxKeyLength = 512;

    public enum Result : byte
    {
        Found,
        Missing,
        Malformed,
    }

    public static Result TryRead(IHeaderDictionary headers, out string key)
    {
        key = string.Empty;
        var authorization = headers[HeaderNames.Authorization];
        if (authorization.Count > 0)
        {
            if (authorization.Count > 1)
            {
                return Result.Malformed;
            }

            var value = authorization[0].AsSpan().Trim();
            if (value.Length > 7 && value[..7].Equals("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return Validate(value[7..].Trim(), out key);
            }

            // Another scheme: fall through to x-api-key, else it is not a key we accept.
            if (headers["x-api-key"].Count == 0)
            {
                return value.IsEmpty ? Result.Missing : Result.Malformed;
            }
        }

        var apiKey = headers["x-api-key"];
        if (apiKey.Count == 0)
        {
            return Result.Missing;
        }

        return apiKey.Count > 1 ? Result.Malformed : Validate(apiKey[0].AsSpan().Trim(), out key);
    }

    private static Result Validate(ReadOnlySpan<char> candidate, out string key)
    {
        key = string.Empty;
        if (candidate.IsEmpty)
        {
            return Result.Missing;
        }

        if (candidate.Length > MaxKeyLength)
        {
            return Result.Malformed;
        }

        foreach (var c in candidate)
        {
            if (c is <= (char)0x20 or >= (char)0x7F)
            {
                return Result.Malformed;
            }
        }

        key = candidate.ToString();
        return Result.Found;
    }
}
