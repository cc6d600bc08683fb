using Gateway.Auth.V1;

namespace Gateway.Ingress.Dependencies;

/// <summary>Key administration (the Auth service), used by the admin API only.</summary>
public interface IKeyAdmin
{
    ValueTask<CreateKeyResponse> CreateKeyAsync(CreateKeyRequest request, CancellationToken ct);

    ValueTask<GetKeyResponse> GetKeyAsync(string keyId, CancellationToken ct);

    ValueTask<RevokeKeyResponse> RevokeKeyAsync(string keyId, CancellationToken ct);
}
