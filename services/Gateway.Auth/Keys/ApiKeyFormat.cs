using System.Security.Cryptography;

namespace Gateway.Auth.Keys;

/// <summary>
/// API keys are <c>gw-</c> followed by 40 base62 characters drawn uniformly from a CSPRNG (about 238 bits).
/// Key ids (<c>key_</c> + 20 base62 characters) are public handles for operators, never secrets.
/// </summary>
internal static class ApiKeyFormat
{
    public const string Prefix = "gw-";
    public const int SecretLength = 40;
    public const int Length = 3 + SecretLength;
    public const string KeyIdPrefix = "key_";
    public const int KeyIdRandomLength = 20;

    /// <summary>How many secret characters the display prefix shows (24 of the ~238 bits).</summary>
    public const int DisplayChars = 4;

    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string NewKey() => Prefix + RandomNumberGenerator.GetString(Base62, SecretLength);

    public static string NewKeyId() => KeyIdPrefix + RandomNumberGenerator.GetString(Base62, KeyIdRandomLength);

    /// <summary>True when <paramref name="key"/> has the exact shape of a key this service issues.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> key) =>
        key.Length == Length && key.StartsWith(Prefix, StringComparison.Ordinal) && IsBase62(key[Prefix.Length..]);

    public static bool IsWellFormedKeyId(ReadOnlySpan<char> keyId) =>
        keyId.Length == KeyIdPrefix.Length + KeyIdRandomLength
        && keyId.StartsWith(KeyIdPrefix, StringComparison.Ordinal)
        && IsBase62(keyId[KeyIdPrefix.Length..]);

    /// <summary>"gw-ab12": recognisable by a human, useless to an attacker.</summary>
    public static string DisplayPrefix(string key) => key[..(Prefix.Length + DisplayChars)];

    private static bool IsBase62(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
