using Gateway.Auth.V1;
using Gateway.Ingress.Dependencies;
using Gateway.Ingress.HotCaches;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Tests.HotCaches;

/// <summary>The verified-key cache and its verifier, as pure units over a counting fake of Auth and a manual clock.</summary>
public sealed class CachingKeyVerifierTests
{
    private const string Key = "gw-0123456789012345678901234567890123456789";
    private const string OtherKey = "gw-abcdefghijabcdefghijabcdefghijabcdefghij";

    private readonly ManualTime _time = new();
    private readonly FakeAuth _auth = new();
    private readonly VerifiedKeyCache _cache;
    private readonly CachingKeyVerifier _verifier;

    public CachingKeyVerifierTests()
    {
        _cache = NewCache(ttlSeconds: 30, maxEntries: 1000);
        _verifier = new CachingKeyVerifier(_auth, _cache);
    }

    private VerifiedKeyCache NewCache(int ttlSeconds, int maxEntries) =>
        new(Options.Create(new IngressOptions { KeyCacheTtlSeconds = ttlSeconds, KeyCacheMaxEntries = maxEntries }), _time);

    [Fact]
    public async Task VerifyAsync_NotInSync_AsksAuthEveryTime()
    {
        await _verifier.VerifyAsync(Key, default);
        await _verifier.VerifyAsync(Key, default);

        Assert.Equal(2, _auth.Calls);
        Assert.Equal(0, _cache.Count);
    }

    [Fact]
    public async Task VerifyAsync_InSync_SecondRequestServedFromCache()
    {
        _cache.EnterSync();

        var first = await _verifier.VerifyAsync(Key, default);
        var second = await _verifier.VerifyAsync(Key, default);

        Assert.Equal(1, _auth.Calls);
        Assert.Same(first, second);
        Assert.Equal(VerifyResult.Valid, second.Result);
    }

    [Fact]
    public async Task VerifyAsync_KeyRevoked_NextRequestAsksAuth()
    {
        _cache.EnterSync();
        await _verifier.VerifyAsync(Key, default);

        _cache.Revoke(FakeAuth.KeyIdOf(Key));
        _auth.Revoked.Add(Key);
        var after = await _verifier.VerifyAsync(Key, default);

        Assert.Equal(2, _auth.Calls);
        Assert.Equal(VerifyResult.Revoked, after.Result);
    }

    [Fact]
    public async Task VerifyAsync_OtherKeyRevoked_StillServedFromCache()
    {
        _cache.EnterSync();
        await _verifier.VerifyAsync(Key, default);

        _cache.Revoke(FakeAuth.KeyIdOf(OtherKey));
        await _verifier.VerifyAsync(Key, default);

        Assert.Equal(1, _auth.Calls);
    }

    [Fact]
    public async Task VerifyAsync_InvalidOrRevokedAnswer_NeverCached()
    {
        _cache.EnterSync();
        _auth.Revoked.Add(Key);

        await _verifier.VerifyAsync(Key, default);
        await _verifier.VerifyAsync(Key, default);

        Assert.Equal(2, _auth.Calls);
        Assert.Equal(0, _cache.Count);
    }

    [Fact]
    public async Task VerifyAsync_TtlPassed_AsksAuthAgain()
    {
        _cache.EnterSync();
        await _verifier.VerifyAsync(Key, default);

        _time.Advance(TimeSpan.FromSeconds(29));
        await _verifier.VerifyAsync(Key, default);
        Assert.Equal(1, _auth.Calls);

        _time.Advance(TimeSpan.FromSeconds(1));
        await _verifier.VerifyAsync(Key, default);
        Assert.Equal(2, _auth.Calls);
    }

    [Fact]
    public async Task VerifyAsync_StreamLost_CacheClearedAndNotUsed()
    {
        _cache.EnterSync();
        await _verifier.VerifyAsync(Key, default);

        _cache.LeaveSync();
        await _verifier.VerifyAsync(Key, default);
        await _verifier.VerifyAsync(Key, default);

        Assert.Equal(3, _auth.Calls);
        Assert.Equal(0, _cache.Count);
    }

    [Fact]
    public async Task VerifyAsync_ConcurrentMissesForOneKey_OneCallToAuth()
    {
        _cache.EnterSync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _auth.Gate = gate.Task;

        var waiting = Enumerable.Range(0, 8).Select(_ => _verifier.VerifyAsync(Key, default).AsTask()).ToArray();
        gate.SetResult();
        var answers = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, _auth.Calls);
        Assert.All(answers, a => Assert.Equal(VerifyResult.Valid, a.Result));
    }

    [Fact]
    public async Task VerifyAsync_WaiterCancelled_OthersStillGetTheAnswer()
    {
        _cache.EnterSync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _auth.Gate = gate.Task;
        using var cancelled = new CancellationTokenSource();

        var gaveUp = _verifier.VerifyAsync(Key, cancelled.Token).AsTask();
        var stays = _verifier.VerifyAsync(Key, default).AsTask();
        await cancelled.CancelAsync();
        gate.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        Assert.Equal(VerifyResult.Valid, (await stays.WaitAsync(TimeSpan.FromSeconds(10))).Result);
        Assert.Equal(1, _auth.Calls);
    }

    [Fact]
    public async Task VerifyAsync_AuthUnavailable_EveryWaiterFailsAndNothingCached()
    {
        _cache.EnterSync();
        _auth.Failure = new DependencyUnavailableException(DependencyNames.Auth, null);

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => _verifier.VerifyAsync(Key, default).AsTask());
        _auth.Failure = null;
        await _verifier.VerifyAsync(Key, default);

        Assert.Equal(2, _auth.Calls);
    }

    [Fact]
    public async Task VerifyAsync_RevocationWhileAuthAnswers_AnswerNotCached()
    {
        _cache.EnterSync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _auth.Gate = gate.Task;

        var pending = _verifier.VerifyAsync(Key, default).AsTask();
        _cache.Revoke(FakeAuth.KeyIdOf(Key)); // pushed while Auth's (now stale) "valid" is on its way
        gate.SetResult();
        await pending.WaitAsync(TimeSpan.FromSeconds(10));
        _auth.Gate = null;
        await _verifier.VerifyAsync(Key, default);

        Assert.Equal(2, _auth.Calls);
    }

    [Fact]
    public async Task VerifyAsync_ResyncWhileAuthAnswers_AnswerNotCached()
    {
        _cache.EnterSync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _auth.Gate = gate.Task;

        var pending = _verifier.VerifyAsync(Key, default).AsTask();
        _cache.LeaveSync();
        _cache.EnterSync();
        gate.SetResult();
        await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, _cache.Count);
    }

    [Fact]
    public void TryAdd_Full_StaysWithinTheCap()
    {
        var cache = NewCache(ttlSeconds: 30, maxEntries: 50);
        cache.EnterSync();

        for (var i = 0; i < 500; i++)
        {
            var key = $"gw-{i:D40}";
            Assert.True(cache.TryAdd(KeyHash.Of(key), FakeAuth.Valid(key), cache.Epoch));
        }

        Assert.InRange(cache.Count, 1, 50);
        Assert.True(cache.TryGet(KeyHash.Of($"gw-{499:D40}"), out _), "the newest entry is kept");
    }

    [Fact]
    public void KeyHash_SameKey_SameHash_DifferentKey_DifferentHash()
    {
        Assert.Equal(KeyHash.Of(Key), KeyHash.Of(new string(Key.AsSpan())));
        Assert.NotEqual(KeyHash.Of(Key), KeyHash.Of(OtherKey));
        Assert.NotEqual(KeyHash.Of(Key), KeyHash.Of(new string('x', 2000)));
    }

    /// <summary>Auth as a counting fake: every key is valid unless revoked; the key id is derived from the key.</summary>
    private sealed class FakeAuth : IKeyVerifier
    {
        private int _calls;

        public HashSet<string> Revoked { get; } = [];

        public Task? Gate { get; set; }

        public Exception? Failure { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public static string KeyIdOf(string apiKey) => "key_" + apiKey[^8..];

        public static VerifyKeyResponse Valid(string apiKey) =>
            new() { Result = VerifyResult.Valid, Key = new ApiKey { KeyId = KeyIdOf(apiKey), TenantId = "t" } };

        public async ValueTask<VerifyKeyResponse> VerifyAsync(string apiKey, CancellationToken ct)
        {
            Interlocked.Increment(ref _calls);
            if (Gate is { } gate)
            {
                await gate;
            }

            if (Failure is { } failure)
            {
                throw failure;
            }

            return Revoked.Contains(apiKey) ? new VerifyKeyResponse { Result = VerifyResult.Revoked } : Valid(apiKey);
        }
    }
}
