namespace Gateway.Auth.Keys;

/// <summary>An API key as stored: everything but the secret, which is kept only as <see cref="Hash"/>.</summary>
internal sealed record KeyRecord(
    string KeyId,
    string TenantId,
    string Name,
    IReadOnlyList<string> AllowedModels,
    int RpmLimit,
    long CreatedUnixMs,
    bool Revoked,
    string Hash,
    string DisplayPrefix);

internal enum KeyVerification
{
    Valid,
    Unknown,
    Revoked,
    Malformed,
}

internal readonly record struct VerifyOutcome(KeyVerification Result, KeyRecord? Key);

internal sealed record CreatedKey(KeyRecord Key, string ApiKey);
