using Gateway.Contracts;
using Gateway.Metering.Ledger;

namespace Gateway.Services.Tests.Metering;

public sealed class UsageCostTests
{
    internal static UsageRecorded Usage(
        long input = 0, long output = 0, long cached = 0, long cacheWrite = 0,
        long inPrice = 0, long outPrice = 0, long cachedPrice = 0, long writePrice = 0) => new()
    {
        RequestId = "r",
        TenantId = "t",
        KeyId = "k",
        Model = "m",
        ProviderId = "p",
        UpstreamModel = "m",
        Surface = "openai.chat",
        Outcome = UsageOutcome.Completed,
        StartedAt = DateTimeOffset.UnixEpoch,
        InputTokens = input,
        OutputTokens = output,
        CachedInputTokens = cached,
        CacheWriteTokens = cacheWrite,
        InputPricePerMTokMicros = inPrice,
        OutputPricePerMTokMicros = outPrice,
        CachedInputPricePerMTokMicros = cachedPrice,
        CacheWritePricePerMTokMicros = writePrice,
    };

    [Theory]
    // $0.15 / MTok = 150,000 micro-USD per million tokens = 0.15 micro-USD per token.
    [InlineData(1, 0)] // 0.15 -> 0
    [InlineData(3, 0)] // 0.45 -> 0
    [InlineData(4, 1)] // 0.60 -> 1
    [InlineData(10, 2)] // 1.50 -> 2 (half rounds up)
    [InlineData(1_000_000, 150_000)]
    public void Micros_InputOnly_RoundsHalfUpOncePerRequest(long tokens, long micros) =>
        Assert.Equal(micros, UsageCost.Micros(Usage(input: tokens, inPrice: 150_000)));

    [Fact]
    public void Micros_CachedAndWrittenTokens_BilledAtTheirOwnPricesNotAsInput()
    {
        // 1000 prompt tokens: 400 read from cache, 100 written to it, 500 plain; 200 output.
        var usage = Usage(input: 1000, output: 200, cached: 400, cacheWrite: 100,
            inPrice: 3_000_000, outPrice: 15_000_000, cachedPrice: 300_000, writePrice: 3_750_000);

        // 500*3 + 400*0.3 + 100*3.75 + 200*15 = 1500 + 120 + 375 + 3000 = 4995 micro-USD
        Assert.Equal(4995, UsageCost.Micros(usage));
    }

    [Fact]
    public void Micros_CachedExceedsInput_UncachedPartIsZeroNotNegative() =>
        Assert.Equal(75, UsageCost.Micros(Usage(input: 100, cached: 1000, inPrice: 150_000, cachedPrice: 75_000)));

    [Fact]
    public void Micros_LargestAllowedValues_DoNotOverflow()
    {
        var max = UsageLedger.MaxTokens;
        var price = UsageLedger.MaxPriceMicros;

        // 1e12 tokens * 1e12 micro-USD per 1e6 tokens = 1e18 micro-USD per field, two fields.
        Assert.Equal(2_000_000_000_000_000_000, UsageCost.Micros(Usage(input: max, output: max, inPrice: price, outPrice: price)));
    }
}
