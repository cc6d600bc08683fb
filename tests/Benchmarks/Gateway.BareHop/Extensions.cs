namespace Gateway.BareHop;

internal static class Extensions
{
    public static IServiceCollection AddBareHop(this IServiceCollection services, IConfiguration configuration)
    {
        var upstream = configuration["BAREHOP_UPSTREAM"];
        if (!Uri.TryCreate(upstream, UriKind.Absolute, out var upstreamUri) || upstreamUri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException("BAREHOP_UPSTREAM must be an absolute http(s) URL, e.g. http://127.0.0.1:5300.");
        }

        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = int.MaxValue,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        services.AddSingleton(new Forwarder(new HttpMessageInvoker(handler), upstreamUri));
        return services;
    }
}
