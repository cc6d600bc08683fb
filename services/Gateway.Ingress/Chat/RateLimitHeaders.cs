using System.Globalization;
using Gateway.Quota.V1;
using Microsoft.Net.Http.Headers;

namespace Gateway.Ingress.Chat;

/// <summary>
/// OpenAI's request rate-limit headers, set on every admitted or refused request. With quota leases
/// (<see cref="Dependencies.Leases.LeasingQuotaGate"/>) the limit is exact; remaining is Quota's remaining at the last
/// grant plus the slots this replica still holds unused, and reset is as of that grant, so both may be up to one lease
/// ttl stale and remaining does not see other replicas' admissions since then (docs/configuration.md, "Quota leases").
/// </summary>
internal static class RateLimitHeaders
{
    public const string Limit = "x-ratelimit-limit-requests";
    public const string Remaining = "x-ratelimit-remaining-requests";
    public const string Reset = "x-ratelimit-reset-requests";

    public static void Apply(HttpResponse response, AdmitResponse admit, long nowUnixMs)
    {
        var headers = response.Headers;
        headers[Limit] = admit.Limit.ToString(CultureInfo.InvariantCulture);
        headers[Remaining] = Math.Max(0, admit.Remaining).ToString(CultureInfo.InvariantCulture);
        headers[Reset] = FormatDuration(Math.Max(0, admit.ResetUnixMs - nowUnixMs));
        if (!admit.Allowed)
        {
            var seconds = Math.Max(1, (admit.RetryAfterMs + 999) / 1000);
            headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>OpenAI's duration format: "250ms", "1s", "12.5s", "6m0s".</summary>
    internal static string FormatDuration(long milliseconds)
    {
        if (milliseconds < 1000)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{milliseconds}ms");
        }

        var minutes = milliseconds / 60_000;
        var seconds = (milliseconds % 60_000) / 1000.0;
        return minutes > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{minutes}m{seconds:0.###}s")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds:0.###}s");
    }
}
