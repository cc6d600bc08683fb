using Gateway.Auth.V1;
using Gateway.Grpc;
using Gateway.Services.Tests.Hosting;
using Gateway.Testing;

namespace Gateway.Services.Tests.Auth;

/// <summary><c>WatchRevocations</c> over real gRPC with a real redis-server shared by two Auth replicas.</summary>
public sealed class RevocationWatchTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static string Tenant() => "t-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task WatchRevocations_Connected_FirstMessageIsInSync()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        await using var watch = Watch.Open(auth);

        var first = await watch.NextAsync(skipHeartbeats: false);

        Assert.Equal(RevocationEventKind.InSync, first.Kind);
    }

    [Fact]
    public async Task WatchRevocations_KeyRevokedThroughAnotherReplica_PushesItsId()
    {
        await using var watched = await AuthHost.StartAsync(redis.ConnectionString);
        await using var other = await AuthHost.StartAsync(redis.ConnectionString);
        await using var watch = Watch.Open(watched);
        Assert.Equal(RevocationEventKind.InSync, (await watch.NextAsync()).Kind);
        var created = await other.CreateAsync(Tenant());

        await other.Channel.UnaryAsync(AuthHost.RevokeKey, new RevokeKeyRequest { KeyId = created.Key.KeyId });

        var pushed = await watch.NextAsync();
        Assert.Equal(RevocationEventKind.Revoked, pushed.Kind);
        Assert.Equal(created.Key.KeyId, pushed.KeyId);
    }

    [Fact]
    public async Task WatchRevocations_Idle_SendsHeartbeats()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        await using var watch = Watch.Open(auth, heartbeatMs: 100);
        Assert.Equal(RevocationEventKind.InSync, (await watch.NextAsync()).Kind);

        var next = await watch.NextAsync(skipHeartbeats: false);

        Assert.Equal(RevocationEventKind.Heartbeat, next.Kind);
    }

    [Fact]
    public async Task WatchRevocations_RedisRestarted_EndsUnavailableThenResyncsAndPushesAgain()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        await using (var watch = Watch.Open(auth))
        {
            Assert.Equal(RevocationEventKind.InSync, (await watch.NextAsync()).Kind);

            await redis.RestartAsync();

            // The replica may have missed revocations while its subscription was down: its watchers are ended.
            var ended = await Assert.ThrowsAsync<RpcException>(() => watch.NextAsync());
            Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        }

        // A new watch is told IN_SYNC only once the subscription is back, and revocations flow again.
        await using var again = Watch.Open(auth);
        Assert.Equal(RevocationEventKind.InSync, (await again.NextAsync()).Kind);
        CreateKeyResponse? created = null;
        var until = DateTime.UtcNow + Wait;
        while (created is null)
        {
            try
            {
                created = await auth.CreateAsync(Tenant());
            }
            catch (RpcException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(50); // the command connection may reconnect a moment after the pub/sub one
            }
        }

        await auth.Channel.UnaryAsync(AuthHost.RevokeKey, new RevokeKeyRequest { KeyId = created.Key.KeyId });
        var pushed = await again.NextAsync();
        Assert.Equal(RevocationEventKind.Revoked, pushed.Kind);
        Assert.Equal(created.Key.KeyId, pushed.KeyId);
    }

    [Fact]
    public async Task WatchRevocations_ReplicaStopping_EndsUnavailable()
    {
        var auth = await AuthHost.StartAsync(redis.ConnectionString);
        await using var watch = Watch.Open(auth);
        Assert.Equal(RevocationEventKind.InSync, (await watch.NextAsync()).Kind);

        var stopping = auth.App.StopAsync();
        var ended = await Assert.ThrowsAsync<RpcException>(() => watch.NextAsync());
        await stopping.WaitAsync(Wait);
        await auth.DisposeAsync();

        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
    }

    /// <summary>A watch on its own channel (so stopping the replica's host does not dispose it first).</summary>
    private sealed class Watch : IAsyncDisposable
    {
        private readonly GrpcChannel _channel;
        private readonly ServerStreamingCall<RevocationEvent> _call;
        private readonly IAsyncEnumerator<RevocationEvent> _messages;

        private Watch(GrpcChannel channel, ServerStreamingCall<RevocationEvent> call)
        {
            _channel = channel;
            _call = call;
            _messages = call.ReadAllAsync().GetAsyncEnumerator();
        }

        public static Watch Open(ServiceHost auth, int heartbeatMs = 0)
        {
            var channel = GrpcChannel.ForAddress(auth.Address);
            var call = channel.ServerStreamingCall(AuthHost.WatchRevocations, new WatchRevocationsRequest { HeartbeatIntervalMs = heartbeatMs },
                new CallOptions(Deadline: DateTime.UtcNow.AddMinutes(2)));
            return new Watch(channel, call);
        }

        /// <summary>The next message (heartbeats skipped unless asked for); fails the test after 15 s.</summary>
        public async Task<RevocationEvent> NextAsync(bool skipHeartbeats = true)
        {
            var deadline = DateTime.UtcNow + Wait;
            while (true)
            {
                var left = deadline - DateTime.UtcNow;
                Assert.True(left > TimeSpan.Zero, "no message within the wait");
                var more = await _messages.MoveNextAsync().AsTask().WaitAsync(left);
                Assert.True(more, "the stream ended without a status");
                if (!skipHeartbeats || _messages.Current.Kind != RevocationEventKind.Heartbeat)
                {
                    return _messages.Current;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _call.Dispose();
            try
            {
                await _messages.DisposeAsync();
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or OperationCanceledException)
            {
            }

            _channel.Dispose();
        }
    }
}
