using Gateway.Testing;

namespace Gateway.FunctionalTests.Matrix;

/// <summary>
/// A streamed call translated between wires is metered once, with the tokens its client was told, through RabbitMQ
/// and Metering to the admin usage API.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CrossWireUsageTests(GatewayStackFixture stack)
{
    public static TheoryData<string, string> Pairs() => MatrixCells.CrossWire();

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task StreamCrossWire_Completed_MeteredOnceWithClientTokens(string surface, string model)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var key = await stack.CreateKeyAsync(cancellationToken: deadline.Token);
        var client = SurfaceClients.Create(surface, model, key.ApiKey, stack.PublicBaseUrl);

        var streamed = await client.StreamAsync("Meter this streamed answer, please.", deadline.Token);

        var usage = await Eventually.WaitForAsync(
            () => stack.GetUsageAsync(key.KeyId, deadline.Token),
            u => u.GetProperty("requests").GetInt64() >= 1,
            $"the {surface} → {model} stream in the key's usage");
        Assert.Equal(1, usage.GetProperty("requests").GetInt64());
        Assert.Equal(1, usage.GetProperty("completed").GetInt64());
        Assert.Equal(streamed.InputTokens, usage.GetProperty("inputTokens").GetInt64());
        Assert.Equal(streamed.OutputTokens, usage.GetProperty("outputTokens").GetInt64());
        Assert.True(usage.GetProperty("costUsd").GetDecimal() > 0m, $"{model} has a price, so its usage has a cost");
    }
}
