using System.Net;

namespace Gateway.AppHost.Hosting;

/// <summary>Readiness probe for HTTP services: GET a path (by default <c>/health/ready</c>) answers 200.</summary>
public static class HttpHealthProbe
{
    private static readonly HttpClient s_client = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>True when GET <paramref name="url"/> answers 200 within <paramref name="timeout"/>.</summary>
    public static async Task<bool> IsHealthyAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await s_client.GetAsync(url, cts.Token).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
