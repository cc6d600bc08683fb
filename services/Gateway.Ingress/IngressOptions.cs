using Microsoft.Extensions.Options;

namespace Gateway.Ingress;

/// <summary>The <c>Ingress</c> configuration section (see README.md), validated at start.</summary>
public sealed class IngressOptions
{
    public const string Section = "Ingress";

    /// <summary>(secret) Bearer token of the admin listener; at least 16 characters.</summary>
    public string AdminToken { get; set; } = string.Empty;

    public long MaxRequestBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>How long a stream (or a non-streaming call) may go without a byte from the upstream.</summary>
    public int StreamIdleTimeoutSeconds { get; set; } = 300;

    /// <summary>Deadline of each call to Auth, Quota or Routing.</summary>
    public int DependencyTimeoutMs { get; set; } = 2000;

    /// <summary>Deadline of all calls a request makes before it reaches an upstream.</summary>
    public int PreUpstreamBudgetMs { get; set; } = 5000;

    public int UpstreamConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>Largest non-streaming upstream body the gateway buffers (it must see it whole to validate it).</summary>
    public long MaxUpstreamResponseBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Usage events waiting for RabbitMQ before producers park them (never dropped).</summary>
    public int UsageQueueCapacity { get; set; } = 10_000;

    /// <summary>How long shutdown may spend publishing the usage events still queued; what is left is spilled to
    /// the journal.</summary>
    public int UsageDrainTimeoutSeconds { get; set; } = 10;

    /// <summary>Most usage events published in one UsageRecordedBatch message.</summary>
    public int UsageBatchMaxEvents { get; set; } = 256;

    /// <summary>How long the publisher waits for more events before it publishes a batch that is not full
    /// (0: publish what is there at once).</summary>
    public int UsageBatchLingerMs { get; set; } = 50;

    /// <summary>Directory of the usage journal (events that could not be published are appended there and replayed
    /// later). Empty: <c>gateway-ingress-usage</c> under the temp directory.</summary>
    public string UsageSpillDirectory { get; set; } = string.Empty;

    /// <summary>Most bytes the usage journal may hold; past it, new events wait in memory only.</summary>
    public long UsageSpillMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Optional prefix every public route is also mounted under (e.g. <c>/llm-api</c> gives
    /// <c>/llm-api/v1/...</c>); starts with '/', no trailing '/'. Empty: none.</summary>
    public string BasePath { get; set; } = string.Empty;

    /// <summary>Largest quota lease (slots admitted locally per key between calls to Quota), 0-1000; 0 turns leases
    /// off (one Quota <c>Admit</c> call per request).</summary>
    public int QuotaLeaseMax { get; set; } = 100;

    /// <summary>How long a quota lease (and a cached quota refusal) may be used, 50-10000 ms.</summary>
    public int QuotaLeaseTtlMs { get; set; } = 1000;

    /// <summary>A lease never holds more than this percentage of the key's requests-per-minute limit, 1-100.</summary>
    public int QuotaLeaseRpmPercent { get; set; } = 10;
    /// <summary>How long a key Auth said was valid may be served from the Ingress's cache without asking Auth again
    /// (the staleness bound when a revocation push is lost); 0 turns the cache off. Used only while the revocation
    /// stream from Auth is up.</summary>
    public int KeyCacheTtlSeconds { get; set; } = 30;

    /// <summary>Most verified keys the cache holds.</summary>
    public int KeyCacheMaxEntries { get; set; } = 100_000;

    /// <summary>How long after the catalog stream from Routing went down its last snapshot is still used; then
    /// models are resolved by calling Routing. 0: only while the stream is up.</summary>
    public int CatalogMaxStalenessSeconds { get; set; } = 300;

    public TimeSpan StreamIdleTimeout => TimeSpan.FromSeconds(StreamIdleTimeoutSeconds);

    /// <summary><see cref="UsageSpillDirectory"/>, or its default when empty.</summary>
    public string ResolvedUsageSpillDirectory => string.IsNullOrWhiteSpace(UsageSpillDirectory)
        ? Path.Combine(Path.GetTempPath(), "gateway-ingress-usage")
        : UsageSpillDirectory;
}

internal sealed class IngressOptionsValidator(IConfiguration configuration) : IValidateOptions<IngressOptions>
{
    public const int MinAdminTokenLength = 16;
    public const int MaxUsageBatchEvents = 4096;
    public const int MaxUsageBatchLingerMs = 1000;
    public const long MinUsageSpillBytes = 1024 * 1024;

    /// <summary>Quota's own limits on a lease (LeaseRequest.requested, ttl_ms) are 1000 slots and 60 s; a lease
    /// is meant to live about a second.</summary>
    public const int MaxQuotaLease = 1000;
    public const int MinQuotaLeaseTtlMs = 50;
    public const int MaxQuotaLeaseTtlMs = 10_000;

    /// <summary>A revoked key may be served this long at most when its push is lost: keep it short.</summary>
    public const int MaxKeyCacheTtlSeconds = 3600;

    public const int MaxCatalogStalenessSeconds = 86_400;

    public ValidateOptionsResult Validate(string? name, IngressOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AdminToken))
        {
            failures.Add("Ingress:AdminToken (env Ingress__AdminToken) is required: the bearer token of the admin listener.");
        }
        else if (options.AdminToken.Length < MinAdminTokenLength)
        {
            failures.Add($"Ingress:AdminToken must be at least {MinAdminTokenLength} characters.");
        }

        Positive(options.MaxRequestBodyBytes, "MaxRequestBodyBytes", failures);
        Positive(options.StreamIdleTimeoutSeconds, "StreamIdleTimeoutSeconds", failures);
        Positive(options.DependencyTimeoutMs, "DependencyTimeoutMs", failures);
        Positive(options.PreUpstreamBudgetMs, "PreUpstreamBudgetMs", failures);
        Positive(options.UpstreamConnectTimeoutSeconds, "UpstreamConnectTimeoutSeconds", failures);
        Positive(options.MaxUpstreamResponseBytes, "MaxUpstreamResponseBytes", failures);
        Positive(options.UsageQueueCapacity, "UsageQueueCapacity", failures);
        Positive(options.UsageDrainTimeoutSeconds, "UsageDrainTimeoutSeconds", failures);
        if (options.UsageBatchMaxEvents is < 1 or > MaxUsageBatchEvents)
        {
            failures.Add($"Ingress:UsageBatchMaxEvents must be 1-{MaxUsageBatchEvents}.");
        }

        if (options.UsageBatchLingerMs is < 0 or > MaxUsageBatchLingerMs)
        {
            failures.Add($"Ingress:UsageBatchLingerMs must be 0-{MaxUsageBatchLingerMs}.");
        }

        if (options.UsageSpillMaxBytes < MinUsageSpillBytes)
        {
            failures.Add($"Ingress:UsageSpillMaxBytes must be at least {MinUsageSpillBytes} (1 MiB).");
        }

        if (!string.IsNullOrWhiteSpace(options.UsageSpillDirectory) && !Path.IsPathFullyQualified(options.UsageSpillDirectory))
        {
            failures.Add("Ingress:UsageSpillDirectory must be an absolute path.");
        }

        InRange(options.QuotaLeaseMax, 0, MaxQuotaLease, "QuotaLeaseMax", failures);
        InRange(options.QuotaLeaseTtlMs, MinQuotaLeaseTtlMs, MaxQuotaLeaseTtlMs, "QuotaLeaseTtlMs", failures);
        InRange(options.QuotaLeaseRpmPercent, 1, 100, "QuotaLeaseRpmPercent", failures);

        Positive(options.KeyCacheMaxEntries, "KeyCacheMaxEntries", failures);
        if (options.KeyCacheTtlSeconds is < 0 or > MaxKeyCacheTtlSeconds)
        {
            failures.Add($"Ingress:KeyCacheTtlSeconds must be between 0 (no cache) and {MaxKeyCacheTtlSeconds}.");
        }

        if (options.CatalogMaxStalenessSeconds is < 0 or > MaxCatalogStalenessSeconds)
        {
            failures.Add($"Ingress:CatalogMaxStalenessSeconds must be between 0 and {MaxCatalogStalenessSeconds}.");
        }

        if (options.MaxUpstreamResponseBytes > Array.MaxLength)
        {
            failures.Add($"Ingress:MaxUpstreamResponseBytes must be at most {Array.MaxLength}.");
        }

        if (options.MaxRequestBodyBytes > Array.MaxLength)
        {
            failures.Add($"Ingress:MaxRequestBodyBytes must be at most {Array.MaxLength}.");
        }

        if (Surfaces.SurfaceRoutes.ValidateBasePath(options.BasePath) is { } basePathError)
        {
            failures.Add(basePathError);
        }

        var publicUrl = configuration["Kestrel:Endpoints:Public:Url"];
        var adminUrl = configuration["Kestrel:Endpoints:Admin:Url"];
        if (string.IsNullOrWhiteSpace(publicUrl))
        {
            failures.Add("Kestrel:Endpoints:Public:Url (env Kestrel__Endpoints__Public__Url) is required: the public API listener.");
        }

        if (string.IsNullOrWhiteSpace(adminUrl))
        {
            failures.Add("Kestrel:Endpoints:Admin:Url (env Kestrel__Endpoints__Admin__Url) is required: the admin listener.");
        }

        if (!string.IsNullOrWhiteSpace(publicUrl) && string.Equals(publicUrl, adminUrl, StringComparison.OrdinalIgnoreCase)
            && !publicUrl.EndsWith(":0", StringComparison.Ordinal) && !publicUrl.EndsWith(":0/", StringComparison.Ordinal))
        {
            failures.Add("Kestrel:Endpoints:Public:Url and Kestrel:Endpoints:Admin:Url must be different listeners.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void InRange(int value, int min, int max, string name, List<string> failures)
    {
        if (value < min || value > max)
        {
            failures.Add($"Ingress:{name} must be between {min} and {max}.");
        }
    }

    private static void Positive(long value, string name, List<string> failures)
    {
        if (value <= 0)
        {
            failures.Add($"Ingress:{name} must be greater than zero.");
        }
    }
}
