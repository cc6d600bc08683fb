namespace Gateway.Ingress.Surfaces;

/// <summary>
/// Where the public API is mounted: <c>/v1</c>, <c>/openai/v1</c> and <c>/anthropic/v1</c>, and the same three under
/// <c>Ingress:BasePath</c> when one is configured (e.g. <c>/llm-api/v1</c>). A surface is added with one line,
/// <see cref="MapSurface"/>, and appears under every mount.
/// </summary>
internal static class SurfaceRoutes
{
    private static readonly string[] ApiRoots = ["/v1", "/openai/v1", "/anthropic/v1"];

    /// <summary>The mount points for a validated base path (empty or null: none).</summary>
    public static IReadOnlyList<string> Mounts(string? basePath)
    {
        var mounts = new List<string>(ApiRoots);
        if (!string.IsNullOrEmpty(basePath))
        {
            mounts.AddRange(ApiRoots.Select(root => basePath + root));
        }

        return mounts;
    }

    /// <summary>Maps <paramref name="method"/> <paramref name="path"/> (relative to a mount, e.g. <c>/models</c>)
    /// under every mount.</summary>
    public static void MapSurface(this IEndpointRouteBuilder app, IReadOnlyList<string> mounts, string method, string path,
        RequestDelegate handler)
    {
        string[] methods = [method];
        foreach (var mount in mounts)
        {
            app.MapMethods(mount + path, methods, handler);
        }
    }

    /// <summary>Why <paramref name="basePath"/> is not a usable base path, or null when it is (empty means none).</summary>
    public static string? ValidateBasePath(string? basePath)
    {
        if (string.IsNullOrEmpty(basePath))
        {
            return null;
        }

        if (basePath[0] != '/')
        {
            return "Ingress:BasePath must start with '/' (e.g. /llm-api).";
        }

        if (basePath[^1] == '/')
        {
            return "Ingress:BasePath must not end with '/' (e.g. /llm-api, not /llm-api/); leave it empty for none.";
        }

        foreach (var c in basePath)
        {
            if (c is <= ' ' or >= (char)0x7F or '?' or '#' or '{' or '}' or '*' or '%' or '\\')
            {
                return "Ingress:BasePath may only hold printable ASCII path characters (no spaces, '?', '#', '{', '}', '*', '%').";
            }
        }

        if (basePath.Contains("//", StringComparison.Ordinal))
        {
            return "Ingress:BasePath must not contain an empty segment ('//').";
        }

        if (basePath.Equals("/admin", StringComparison.OrdinalIgnoreCase)
            || basePath.StartsWith("/admin/", StringComparison.OrdinalIgnoreCase)
            || basePath.Equals("/health", StringComparison.OrdinalIgnoreCase)
            || basePath.StartsWith("/health/", StringComparison.OrdinalIgnoreCase))
        {
            return "Ingress:BasePath must not be under /admin or /health.";
        }

        return null;
    }
}
