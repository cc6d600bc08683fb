using Gateway.Grpc;
using Gateway.ServiceDefaults.Errors;
using Gateway.Quota.Limits;
using Gateway.Quota.V1;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Gateway.Quota.Grpc;

/// <summary><c>gateway.quota.v1.QuotaService</c>.</summary>
internal sealed class QuotaGrpcService(RpmLimiter limiter)
{
    public const int MaxKeyIdLength = 128;
    public const int MaxLeaseIdLength = 64;

    public static ServiceDescriptor Descriptor => QuotaReflection.Descriptor.FindTypeByName<ServiceDescriptor>("QuotaService");

    public async Task<AdmitResponse> Admit(AdmitRequest request, ServerCallContext context)
    {
        if (request.KeyId.Length is 0 or > MaxKeyIdLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"key_id must be 1-{MaxKeyIdLength} characters."));
        }

        if (request.RpmLimit < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "rpm_limit must not be negative."));
        }

        var decision = await limiter.AdmitAsync(request.KeyId, request.RpmLimit, context.CancellationToken).MapRedisUnavailable().ConfigureAwait(false);
        return new AdmitResponse
        {
            Allowed = decision.Allowed,
            Limit = decision.Limit,
            Remaining = decision.Remaining,
            RetryAfterMs = decision.RetryAfterMs,
            ResetUnixMs = decision.ResetUnixMs,
        };
    }

    public async Task<LeaseResponse> Lease(LeaseRequest request, ServerCallContext context)
    {
        ValidateKey(request.KeyId);
        if (request.RpmLimit < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "rpm_limit must not be negative."));
        }

        if (request.Requested is < 1 or > RpmLimiter.MaxLease)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"requested must be 1-{RpmLimiter.MaxLease}."));
        }

        if (request.TtlMs is < 0 or > RpmLimiter.MaxLeaseTtlMs)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"ttl_ms must be 0-{RpmLimiter.MaxLeaseTtlMs}."));
        }

        var decision = await limiter.LeaseAsync(request.KeyId, request.RpmLimit, request.Requested, request.TtlMs, context.CancellationToken)
            .MapRedisUnavailable().ConfigureAwait(false);
        return new LeaseResponse
        {
            Granted = decision.Granted,
            Limit = decision.Limit,
            Remaining = decision.Remaining,
            RetryAfterMs = decision.RetryAfterMs,
            ResetUnixMs = decision.ResetUnixMs,
            LeaseId = decision.LeaseId,
        };
    }

    public async Task<ReleaseResponse> Release(ReleaseRequest request, ServerCallContext context)
    {
        ValidateKey(request.KeyId);
        if (request.LeaseId.Length is 0 or > MaxLeaseIdLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"lease_id must be 1-{MaxLeaseIdLength} characters."));
        }

        if (request.Granted is < 1 or > RpmLimiter.MaxLease || request.Unused < 1 || request.Unused > request.Granted)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"granted must be 1-{RpmLimiter.MaxLease} and unused 1..granted."));
        }

        var released = await limiter.ReleaseAsync(request.KeyId, request.LeaseId, request.Granted, request.Unused, context.CancellationToken)
            .MapRedisUnavailable().ConfigureAwait(false);
        return new ReleaseResponse { Released = released };
    }

    private static void ValidateKey(string keyId)
    {
        if (keyId.Length is 0 or > MaxKeyIdLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"key_id must be 1-{MaxKeyIdLength} characters."));
        }
    }
}
