using Gateway.Grpc;
using Gateway.ServiceDefaults.Errors;
using Gateway.Metering.Ledger;
using Gateway.Metering.V1;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Gateway.Metering.Grpc;

/// <summary><c>gateway.metering.v1.MeteringService</c>.</summary>
internal sealed class MeteringGrpcService(UsageLedger ledger)
{
    public static ServiceDescriptor Descriptor => MeteringReflection.Descriptor.FindTypeByName<ServiceDescriptor>("MeteringService");

    /// <summary>A key's totals; a key with no usage yet has all zeros.</summary>
    public async Task<UsageSummary> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        if (request.KeyId.Length is 0 or > UsageLedger.MaxIdLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"key_id must be 1-{UsageLedger.MaxIdLength} characters."));
        }

        var totals = await ledger.GetAsync(request.KeyId, context.CancellationToken).MapRedisUnavailable().ConfigureAwait(false);
        return new UsageSummary
        {
            KeyId = totals.KeyId,
            Requests = totals.Requests,
            Completed = totals.Completed,
            Aborted = totals.Aborted,
            Failed = totals.Failed,
            InputTokens = totals.InputTokens,
            OutputTokens = totals.OutputTokens,
            CachedInputTokens = totals.CachedInputTokens,
            CacheWriteTokens = totals.CacheWriteTokens,
            ReasoningTokens = totals.ReasoningTokens,
            CostMicros = totals.CostMicros,
            LastRequestUnixMs = totals.LastRequestUnixMs,
        };
    }
}
