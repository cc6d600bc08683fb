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
}
