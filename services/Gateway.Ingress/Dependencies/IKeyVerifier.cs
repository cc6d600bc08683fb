using Gateway.Auth.V1;

namespace Gateway.Ingress.Dependencies;

/// <summary>Verifies client API keys (the Auth service). A down or timed-out Auth throws
/// <see cref="DependencyUnavailableException"/>; an unknown, revoked or malformed key is a normal reply.</summary>
public interface IKeyVerifier
{
    ValueTask<VerifyKeyResponse> VerifyAsync(string apiKey, CancellationToken ct);
}
