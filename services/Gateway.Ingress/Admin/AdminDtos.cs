using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Auth.V1;
using Gateway.Metering.V1;

namespace Gateway.Ingress.Admin;

/// <summary><c>POST /admin/keys</c> body.</summary>
internal sealed record CreateKeyBody(string? TenantId, string? Name, List<string>? AllowedModels, int? RpmLimit);

internal sealed record KeyDto(
    string KeyId,
    string TenantId,
    string Name,
    IReadOnlyList<string> AllowedModels,
    int RpmLimit,
    string DisplayPrefix,
    DateTimeOffset CreatedAt,
    bool Revoked)
{
    public static KeyDto From(ApiKey key) => new(
        key.KeyId,
        key.TenantId,
        key.Name,
        [.. key.AllowedModels],
        key.RpmLimit,
        key.DisplayPrefix,
        DateTimeOffset.FromUnixTimeMilliseconds(key.CreatedUnixMs),
        key.Revoked);
}

/// <summary><c>POST /admin/keys</c> answer: the key's metadata and its secret, shown this once.</summary>
internal sealed record CreatedKeyDto(KeyDto Key, string ApiKey);

/// <summary><c>GET /admin/keys/{keyId}/usage</c> answer.</summary>
internal sealed record UsageDto(
    string KeyId,
    long Requests,
    long Completed,
    long Aborted,
    long Failed,
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    long ReasoningTokens,
    decimal CostUsd,
    DateTimeOffset? LastRequestAt)
{
    public static UsageDto From(string keyId, UsageSummary usage) => new(
        keyId,
        usage.Requests,
        usage.Completed,
        usage.Aborted,
        usage.Failed,
        usage.InputTokens,
        usage.OutputTokens,
        usage.CachedInputTokens,
        usage.CacheWriteTokens,
        usage.ReasoningTokens,
        usage.CostMicros / 1_000_000m,
        usage.LastRequestUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(usage.LastRequestUnixMs) : null);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CreateKeyBody))]
[JsonSerializable(typeof(CreatedKeyDto))]
[JsonSerializable(typeof(KeyDto))]
[JsonSerializable(typeof(UsageDto))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
