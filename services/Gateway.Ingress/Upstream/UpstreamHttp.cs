using System.Collections.Concurrent;
using System.Net;
using Gateway.Ingress.Surfaces;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Upstream;

/// <summary>
/// The one pooled <see cref="HttpClient"/> for every upstream call. Connections are recycled
/// (<c>PooledConnectionLifetime</c>) so DNS changes are seen; bodies are relayed as the provider encoded them
/// (no automatic decompression); timeouts are the gateway's own (connect timeout here, an idle timeout per read in
/// the relay), never a total one.
/// </summary>
internal sealed class UpstreamHttp : IDisposable
{
    private const int MaxCachedUris = 1024;
    private readonly ConcurrentDictionary<string, Uri?>[] _uris = Enum.GetValues<ApiSurface>()
        .Select(_ => new ConcurrentDictionary<string, Uri?>(StringComparer.Ordinal)).ToArray();

    public UpstreamHttp(IOptions<IngressOptions> options)
    {
        var o = options.Value;
        Handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            ConnectTimeout = TimeSpan.FromSeconds(o.UpstreamConnectTimeoutSeconds),
            EnableMultipleHttp2Connections = true,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            MaxConnectionsPerServer = int.MaxValue,
        };
        Client = new HttpClient(Handler, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }

    public SocketsHttpHandler Handler { get; }

    public HttpClient Client { get; }

    /// <summary><c>{base_url}{path of the surface}</c>, or null when the base URL is not an absolute http(s) URL.</summary>
    public Uri? UpstreamUri(string baseUrl, ApiSurface surface)
    {
        var cache = _uris[(int)surface];
        if (cache.TryGetValue(baseUrl, out var cached))
        {
            return cached;
        }

        Uri? uri = null;
        if (Uri.TryCreate(baseUrl.TrimEnd('/') + surface.UpstreamPath(), UriKind.Absolute, out var candidate)
            && (candidate.Scheme == Uri.UriSchemeHttp || candidate.Scheme == Uri.UriSchemeHttps))
        {
            uri = candidate;
        }

        if (cache.Count < MaxCachedUris)
        {
            cache.TryAdd(baseUrl, uri);
        }

        return uri;
    }

    public void Dispose() => Client.Dispose();
}
