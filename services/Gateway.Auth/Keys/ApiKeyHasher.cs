using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Auth.Keys;

/// <summary>
/// HMAC-SHA256 of the key under the pepper (<c>Auth__KeyPepper</c>), as 64 lower-case hex characters. This is all
/// that is stored: API keys carry ~238 random bits, so a keyed fast hash is enough (no password stretching) and
/// lets a key be found by its hash in one lookup.
/// </summary>
internal sealed class ApiKeyHasher
{
    public const int HashHexLength = 64;

    private readonly byte[] _pepper;

    public ApiKeyHasher(IOptions<AuthOptions> options)
        : this(options.Value.KeyPepper)
    {
    }

    public ApiKeyHasher(string pepper)
    {
        ArgumentException.ThrowIfNullOrEmpty(pepper);
        _pepper = Encoding.UTF8.GetBytes(pepper);
    }

    /// <summary>The hash of a well-formed key (<see cref="ApiKeyFormat.IsWellFormed"/>).</summary>
    public string Hash(string key)
    {
        Span<byte> input = stackalloc byte[ApiKeyFormat.Length];
        var written = Encoding.ASCII.GetBytes(key, input);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_pepper, input[..written], mac);
        var hex = Convert.ToHexStringLower(mac);
        CryptographicOperations.ZeroMemory(input);
        return hex;
    }

    /// <summary>Compares two hashes in time that does not depend on where they differ.</summary>
    public static bool HashesEqual(string computed, string stored)
    {
        Span<byte> a = stackalloc byte[HashHexLength];
        Span<byte> b = stackalloc byte[HashHexLength];
        if (computed.Length != HashHexLength || stored.Length != HashHexLength)
        {
            return false;
        }

        Encoding.ASCII.GetBytes(computed, a);
        Encoding.ASCII.GetBytes(stored, b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
