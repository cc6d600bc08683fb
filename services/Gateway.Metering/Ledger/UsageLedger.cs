using System.Globalization;
using Gateway.Contracts;
using Gateway.Redis;
using Microsoft.Extensions.Options;

namespace Gateway.Metering.Ledger;

/// <summary>
/// Per-key usage totals in Redis, counted once per request id.
/// <list type="bullet">
/// <item><c>metering:req:{requestId}</c>: "1" while the request id is remembered (<see cref="MeteringOptions.DeduplicationDays"/>)</item>
/// <item><c>metering:key:{keyId}</c> hash: requests, completed, aborted, failed, input, output, cached_input,
/// cache_write, reasoning, cost_micros, last_request_ms</item>
/// </list>
/// The guard and the increments are one script, so they happen together or not at all (Redis runs a script
/// atomically, and every value is checked and bounded before it is sent, so no step in it can fail halfway): a redelivered
/// message finds the guard and changes nothing.
/// </summary>
internal sealed class UsageLedger(RedisConnection redis, IOptions<MeteringOptions> options, MeteringMetrics metrics)
{
    public const int MaxIdLength = 128;

    /// <summary>Bounds that keep every increment far from 64-bit overflow (an overflowing HINCRBY would fail the script midway).</summary>
    public const long MaxTokens = 1_000_000_000_000;

    public const long MaxPriceMicros = 1_000_000_000_000;

    private static readonly RedisScript RecordScript = new("""
        if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
          return 0
        end
        redis.call('HINCRBY', KEYS[2], 'requests', 1)
        redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
        redis.call('HINCRBY', KEYS[2], 'input', ARGV[3])
        redis.call('HINCRBY', KEYS[2], 'output', ARGV[4])
        redis.call('HINCRBY', KEYS[2], 'cached_input', ARGV[5])
        redis.call('HINCRBY', KEYS[2], 'cache_write', ARGV[6])
        redis.call('HINCRBY', KEYS[2], 'reasoning', ARGV[7])
        redis.call('HINCRBY', KEYS[2], 'cost_micros', ARGV[8])
        local last = tonumber(redis.call('HGET', KEYS[2], 'last_request_ms') or '0')
        if tonumber(ARGV[9]) > last then
          redis.call('HSET', KEYS[2], 'last_request_ms', ARGV[9])
        end
        return 1
        """);

    public static string RequestKey(string requestId) => "metering:req:" + requestId;

    public static string TotalsKey(string keyId) => "metering:key:" + keyId;

    /// <summary>Counts <paramref name="usage"/> unless its request id was counted before. True when counted now.</summary>
    /// <exception cref="InvalidUsageRecordException">The record cannot be counted (empty ids, negative counts).</exception>
    public async Task<bool> RecordAsync(UsageRecorded usage, CancellationToken cancellationToken)
    {
        Validate(usage);
        var outcome = usage.Outcome switch
        {
            UsageOutcome.Completed => "completed",
            UsageOutcome.Aborted => "aborted",
            UsageOutcome.Failed => "failed",
            _ => throw new InvalidUsageRecordException($"Outcome {(int)usage.Outcome} is not known."),
        };
        var ttlSeconds = (long)TimeSpan.FromDays(options.Value.DeduplicationDays).TotalSeconds;
        var cost = UsageCost.Micros(usage);
        var result = await redis.EvaluateAsync(
            RecordScript,
            [RequestKey(usage.RequestId), TotalsKey(usage.KeyId)],
            [
                ttlSeconds,
                outcome,
                usage.InputTokens,
                usage.OutputTokens,
                usage.CachedInputTokens,
                usage.CacheWriteTokens,
                usage.ReasoningTokens,
                cost,
                usage.StartedAt.ToUnixTimeMilliseconds(),
            ],
            cancellationToken).ConfigureAwait(false);
        var counted = result.AsInt64() == 1;
        metrics.Recorded(counted, cost);
        return counted;
    }

    public async Task<UsageTotals> GetAsync(string keyId, CancellationToken cancellationToken)
    {
        var result = await redis.ExecuteAsync("HGETALL", [TotalsKey(keyId)], cancellationToken).ConfigureAwait(false);
        long requests = 0, completed = 0, aborted = 0, failed = 0, input = 0, output = 0, cached = 0, cacheWrite = 0,
            reasoning = 0, cost = 0, last = 0;
        var items = result.Items; // empty for a key without usage
        for (var i = 0; i + 1 < items.Count; i += 2)
        {
            var value = long.TryParse(items[i + 1].AsString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : 0;
            switch (items[i].AsString())
            {
                case "requests": requests = value; break;
                case "completed": completed = value; break;
                case "aborted": aborted = value; break;
                case "failed": failed = value; break;
                case "input": input = value; break;
                case "output": output = value; break;
                case "cached_input": cached = value; break;
                case "cache_write": cacheWrite = value; break;
                case "reasoning": reasoning = value; break;
                case "cost_micros": cost = value; break;
                case "last_request_ms": last = value; break;
            }
        }

        return new UsageTotals(keyId, requests, completed, aborted, failed, input, output, cached, cacheWrite, reasoning, cost, last);
    }

    private static void Validate(UsageRecorded usage)
    {
        if (usage.RequestId is not { Length: > 0 and <= MaxIdLength })
        {
            throw new InvalidUsageRecordException($"RequestId must be 1-{MaxIdLength} characters.");
        }

        if (usage.KeyId is not { Length: > 0 and <= MaxIdLength })
        {
            throw new InvalidUsageRecordException($"KeyId must be 1-{MaxIdLength} characters.");
        }

        if (!InRange(usage.InputTokens, MaxTokens) || !InRange(usage.OutputTokens, MaxTokens)
            || !InRange(usage.CachedInputTokens, MaxTokens) || !InRange(usage.CacheWriteTokens, MaxTokens)
            || !InRange(usage.ReasoningTokens, MaxTokens))
        {
            throw new InvalidUsageRecordException($"Token counts must be 0-{MaxTokens}.");
        }

        if (!InRange(usage.InputPricePerMTokMicros, MaxPriceMicros) || !InRange(usage.OutputPricePerMTokMicros, MaxPriceMicros)
            || !InRange(usage.CachedInputPricePerMTokMicros, MaxPriceMicros) || !InRange(usage.CacheWritePricePerMTokMicros, MaxPriceMicros))
        {
            throw new InvalidUsageRecordException($"Prices must be 0-{MaxPriceMicros} micro-USD per million tokens.");
        }

        static bool InRange(long value, long max) => value >= 0 && value <= max;
    }
}
