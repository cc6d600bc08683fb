using System.Text.Json.Serialization;

namespace Gateway.Routing.Catalog;

// The catalog file as written by operators (see catalog.json). Unknown properties are errors, so a misspelt
// field fails the load instead of being silently ignored.

internal sealed class CatalogDocument
{
    public List<ProviderDocument>? Providers { get; set; }

    public List<ModelDocument>? Models { get; set; }
}

internal sealed class ProviderDocument
{
    public string? Id { get; set; }

    /// <summary>"openai-chat", "anthropic-messages" or "openai-responses".</summary>
    public string? Wire { get; set; }

    /// <summary>May contain <c>${VAR}</c> placeholders.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The environment variable holding the provider's key; absent for providers that take none.</summary>
    public string? ApiKeyEnv { get; set; }

    /// <summary>Serve the provider even when <see cref="ApiKeyEnv"/> is unset (e.g. a local server that takes no key).</summary>
    public bool ApiKeyOptional { get; set; }
}

internal sealed class ModelDocument
{
    public string? Id { get; set; }

    public string? Provider { get; set; }

    /// <summary>The name the upstream knows the model by; defaults to <see cref="Id"/>. May contain <c>${VAR}</c>.</summary>
    public string? UpstreamModel { get; set; }

    /// <summary>Shown as <c>owned_by</c> in model lists; defaults to the provider id.</summary>
    public string? OwnedBy { get; set; }

    /// <summary>Unix seconds shown as <c>created</c> in model lists; defaults to 0.</summary>
    public long Created { get; set; }

    public List<string>? Aliases { get; set; }

    public PricingDocument? Pricing { get; set; }

    /// <summary>Any of "chat", "tools", "vision", "json", "embeddings", "images". Absent: a chat model's default
    /// (chat, tools, vision, json).</summary>
    public List<string>? Capabilities { get; set; }
}

/// <summary>USD per million tokens.</summary>
internal sealed class PricingDocument
{
    public decimal InputPerMTok { get; set; }

    public decimal OutputPerMTok { get; set; }

    public decimal CachedInputPerMTok { get; set; }

    public decimal CacheWritePerMTok { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(CatalogDocument))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
