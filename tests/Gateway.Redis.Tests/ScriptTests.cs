using System.Globalization;
using Gateway.Redis.Tests.Infrastructure;

namespace Gateway.Redis.Tests;

// The tests of this class run one after another against their own server, so the command counters are theirs alone.
public sealed class ScriptTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private RedisConnection _redis = null!;

    public async Task InitializeAsync() => _redis = await fixture.ConnectAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public void RedisScript_ComputesTheSha1RedisUses()
    {
        var script = new RedisScript("return 1");

        Assert.Equal("e0e1f9fabfc9d4800c877a703b823ac0578ff8db", script.Sha1);
    }

    [Fact]
    public async Task EvaluateAsync_KeysAndArguments_ArePassedThrough()
    {
        var script = NewScript("redis.call('SET', KEYS[1], ARGV[1]) return {KEYS[1], redis.call('GET', KEYS[1]), tonumber(ARGV[2]) + 1}");
        var key = TestBounds.UniqueKey();

        var result = await _redis.EvaluateAsync(script, [key], ["stored", 41]).Bounded();

        Assert.Equal(key, result.Items[0].AsString());
        Assert.Equal("stored", result.Items[1].AsString());
        Assert.Equal(42, result.Items[2].AsInt64());
    }

    [Fact]
    public async Task EvaluateAsync_UnknownScript_FallsBackToEvalThenUsesEvalSha()
    {
        var script = NewScript("return ARGV[1] .. '!'");
        Assert.False(await ScriptExistsAsync(script));
        var before = await CallsAsync();

        var first = await _redis.EvaluateAsync(script, [], ["a"]).Bounded();
        var afterFirst = await CallsAsync();
        var second = await _redis.EvaluateAsync(script, [], ["b"]).Bounded();
        var afterSecond = await CallsAsync();

        Assert.Equal("a!", first.AsString());
        Assert.Equal("b!", second.AsString());
        Assert.True(await ScriptExistsAsync(script));
        Assert.Equal((EvalSha: before.EvalSha + 1, Eval: before.Eval + 1), afterFirst); // NOSCRIPT, then EVAL
        Assert.Equal((EvalSha: afterFirst.EvalSha + 1, Eval: afterFirst.Eval), afterSecond); // EVALSHA only
    }

    [Fact]
    public async Task EvaluateAsync_AfterScriptFlush_FallsBackToEvalTransparently()
    {
        var script = NewScript("return tonumber(ARGV[1]) * 2");
        Assert.Equal(4, (await _redis.EvaluateAsync(script, null, [2]).Bounded()).AsInt64());

        await _redis.ExecuteAsync("SCRIPT", "FLUSH").Bounded();
        Assert.False(await ScriptExistsAsync(script));
        var result = await _redis.EvaluateAsync(script, null, [21]).Bounded();

        Assert.Equal(42, result.AsInt64());
        Assert.True(await ScriptExistsAsync(script));
    }

    [Fact]
    public async Task EvaluateAsync_ConcurrentFirstUse_AllCallersGetTheirResults()
    {
        var script = NewScript("return tonumber(ARGV[1]) + 1000");

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => _redis.EvaluateAsync(script, [], [i]))).Bounded();

        Assert.Equal(Enumerable.Range(1000, 200).Select(i => (long)i), results.Select(r => r.AsInt64()));
    }

    [Fact]
    public async Task EvaluateAsync_ScriptRaisesError_ThrowsServerExceptionAndConnectionKeepsWorking()
    {
        var script = NewScript("return redis.error_reply('QUOTA exceeded')");

        var ex = await Assert.ThrowsAsync<RedisServerException>(() => _redis.EvaluateAsync(script).Bounded());

        Assert.Equal("QUOTA", ex.ErrorCode);
        Assert.Equal("PONG", (await _redis.ExecuteAsync("PING").Bounded()).AsString());
    }

    // A fresh source each time so the server has never seen it.
    private static RedisScript NewScript(string body) => new($"-- {Guid.NewGuid():N}\n{body}");

    private async Task<bool> ScriptExistsAsync(RedisScript script) =>
        (await _redis.ExecuteAsync("SCRIPT", "EXISTS", script.Sha1).Bounded()).Items[0].AsInt64() == 1;

    private async Task<(long EvalSha, long Eval)> CallsAsync()
    {
        var info = (await _redis.ExecuteAsync("INFO", "commandstats").Bounded()).AsString()!;
        return (Calls(info, "evalsha"), Calls(info, "eval"));
    }

    private static long Calls(string info, string command)
    {
        var line = info.Split("\r\n").FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        if (line is null)
        {
            return 0;
        }

        var calls = line.Split(':', 2)[1].Split(',').Single(p => p.StartsWith("calls=", StringComparison.Ordinal));
        return long.Parse(calls["calls=".Length..], CultureInfo.InvariantCulture);
    }
}
