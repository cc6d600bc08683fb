using System.Diagnostics.Metrics;

namespace Gateway.Auth.Keys;

/// <summary>The <c>Gateway.Auth</c> meter.</summary>
internal sealed class AuthMetrics
{
    public const string MeterName = "Gateway.Auth";

    private readonly Counter<long> _verifications;

    public AuthMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _verifications = meter.CreateCounter<long>(
            "gateway.auth.key.verifications", unit: "{verification}", description: "API keys verified, by result.");
    }

    public void Verified(KeyVerification result) =>
        _verifications.Add(1, new KeyValuePair<string, object?>("gateway.auth.result", result switch
        {
            KeyVerification.Valid => "valid",
            KeyVerification.Unknown => "unknown",
            KeyVerification.Revoked => "revoked",
            _ => "malformed",
        }));
}
