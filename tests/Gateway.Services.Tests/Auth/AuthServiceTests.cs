using System.Threading.Channels;
using Gateway.Auth.Keys;
using Gateway.Auth.V1;
using Gateway.Grpc;
using Gateway.Redis;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Services.Tests.Auth;

/// <summary>The Auth service over real gRPC with a real redis-server.</summary>
public sealed class AuthServiceTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static string Tenant() => "t-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task CreateKey_ValidRequest_ReturnsSecretOnceAndMetadata()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        var tenant = Tenant();

        var created = await auth.CreateAsync(tenant, 120, "sim-gpt", "sim-claude");

        Assert.Matches("^gw-[0-9A-Za-z]{40}$", created.ApiKey);
        Assert.Matches("^key_[0-9A-Za-z]{20}$", created.Key.KeyId);
        Assert.Equal(tenant, created.Key.TenantId);
        Assert.Equal("test key", created.Key.Name);
        Assert.Equal(["sim-gpt", "sim-claude"], created.Key.AllowedModels);
        Assert.Equal(120, created.Key.RpmLimit);
        Assert.False(created.Key.Revoked);
        Assert.Equal(created.ApiKey[..7], created.Key.DisplayPrefix);
        Assert.InRange(created.Key.CreatedUnixMs, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task VerifyKey_CreatedKey_ValidWithItsMetadata()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        var created = await auth.CreateAsync(Tenant(), 30, "sim-gpt");

        var verified = await auth.VerifyAsync(created.ApiKey);

        Assert.Equal(VerifyResult.Valid, verified.Result);
        Assert.Equal(created.Key, verified.Key);
    }

    [Fact]
    public async Task VerifyKey_WellFormedButUnknown_Unknown()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);

        var verified = await auth.VerifyAsync(ApiKeyFormat.NewKey());

        Assert.Equal(VerifyResult.Unknown, verified.Result);
        Assert.Null(verified.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("gw-short")]
    [InlineData("sk-proj-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd")]
    [InlineData("gw-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabc!")]
    public async Task VerifyKey_Malformed_MalformedWithoutAnyRedisCall(string apiKey)
    {
        // Redis points at a port nothing listens on: any Redis call would fail the RPC.
        var closedPort = ClosedPort();
        await using var auth = await AuthHost.StartAsync($"127.0.0.1:{closedPort}");

        var verified = await auth.VerifyAsync(apiKey);

        Assert.Equal(VerifyResult.Malformed, verified.Result);
        Assert.Null(verified.Key);
    }

    [Fact]
    public async Task VerifyAndCreate_RedisUnreachable_Unavailable()
    {
        await using var auth = await AuthHost.StartAsync($"127.0.0.1:{ClosedPort()}");

        var verify = await Assert.ThrowsAsync<RpcException>(() => auth.VerifyAsync(ApiKeyFormat.NewKey()));
        var create = await Assert.ThrowsAsync<RpcException>(() => auth.CreateAsync(Tenant()));

        Assert.Equal(StatusCode.Unavailable, verify.StatusCode);
        Assert.Equal(StatusCode.Unavailable, create.StatusCode);
    }

    [Fact]
    public async Task RevokeKey_Twice_FoundBothTimesVerifyRevokedAndAnnounced()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        var created = await auth.CreateAsync(Tenant());
        var connection = auth.Services.GetRequiredService<RedisConnection>();
        var announced = Channel.CreateUnbounded<string>();
        await using var subscription = await connection.SubscribeAsync(
            KeyStore.RevokedChannel, (_, message) => { announced.Writer.TryWrite(message.ToString()); return ValueTask.CompletedTask; });

        var first = await auth.Channel.UnaryAsync(AuthHost.RevokeKey, new RevokeKeyRequest { KeyId = created.Key.KeyId });
        var second = await auth.Channel.UnaryAsync(AuthHost.RevokeKey, new RevokeKeyRequest { KeyId = created.Key.KeyId });

        Assert.True(first.Found);
        Assert.True(second.Found);
        var verified = await auth.VerifyAsync(created.ApiKey);
        Assert.Equal(VerifyResult.Revoked, verified.Result);
        Assert.Null(verified.Key);
        var key = await auth.Channel.UnaryAsync(AuthHost.GetKey, new GetKeyRequest { KeyId = created.Key.KeyId });
        Assert.True(key.Key.Revoked);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal(created.Key.KeyId, await announced.Reader.ReadAsync(timeout.Token));
    }

    [Theory]
    [InlineData("key_00000000000000000000")]
    [InlineData("not-a-key-id")]
    [InlineData("")]
    public async Task RevokeKeyAndGetKey_NoSuchKey_NotFound(string keyId)
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);

        var revoked = await auth.Channel.UnaryAsync(AuthHost.RevokeKey, new RevokeKeyRequest { KeyId = keyId });
        var read = await auth.Channel.UnaryAsync(AuthHost.GetKey, new GetKeyRequest { KeyId = keyId });

        Assert.False(revoked.Found);
        Assert.False(read.Found);
        Assert.Null(read.Key);
    }

    [Fact]
    public async Task GetKey_Existing_ReturnsMetadata()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        var created = await auth.CreateAsync(Tenant(), 7, "a", "b");

        var read = await auth.Channel.UnaryAsync(AuthHost.GetKey, new GetKeyRequest { KeyId = created.Key.KeyId });

        Assert.True(read.Found);
        Assert.Equal(created.Key, read.Key);
    }

    [Theory]
    [InlineData("", "name", 0)]
    [InlineData("bad tenant", "name", 0)]
    [InlineData("-tenant", "name", 0)]
    [InlineData("tenant", "", 0)]
    [InlineData("tenant", "bad\u0001name", 0)]
    [InlineData("tenant", "name", -5)]
    public async Task CreateKey_InvalidInput_InvalidArgument(string tenant, string name, int rpm)
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            auth.Channel.UnaryAsync(AuthHost.CreateKey, new CreateKeyRequest { TenantId = tenant, Name = name, RpmLimit = rpm }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task CreateKey_Stored_OnlyTheHmacIsAtRestNeverThePlaintext()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        var created = await auth.CreateAsync(Tenant());
        var connection = auth.Services.GetRequiredService<RedisConnection>();

        var everything = await DumpAsync(connection);

        var secret = created.ApiKey[3..];
        Assert.DoesNotContain(everything, value => value.Contains(secret[..20], StringComparison.Ordinal));
        Assert.DoesNotContain(everything, value => value.Contains(secret[20..], StringComparison.Ordinal));
        var expectedHash = new ApiKeyHasher(AuthHost.Pepper).Hash(created.ApiKey);
        Assert.Contains(KeyStore.HashKey(expectedHash), everything);
        var stored = await connection.ExecuteAsync("HGET", KeyStore.RecordKey(created.Key.KeyId), "hash");
        Assert.Equal(expectedHash, stored.AsString());
        var tenantKeys = await connection.ExecuteAsync("SMEMBERS", KeyStore.TenantKeysKey(created.Key.TenantId));
        Assert.Equal([created.Key.KeyId], tenantKeys.Items.Select(i => i.AsString()));
    }

    [Fact]
    public async Task VerifyKey_RecordDoesNotCarryTheHash_Unknown()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        var created = await auth.CreateAsync(Tenant());
        var connection = auth.Services.GetRequiredService<RedisConnection>();
        var hash = new ApiKeyHasher(AuthHost.Pepper).Hash(created.ApiKey);
        // The index still leads to the record, but the record's hash differs in its last character only.
        var tampered = hash[..^1] + (hash[^1] == '0' ? '1' : '0');
        await connection.ExecuteAsync("HSET", KeyStore.RecordKey(created.Key.KeyId), "hash", tampered);

        var verified = await auth.VerifyAsync(created.ApiKey);

        Assert.Equal(VerifyResult.Unknown, verified.Result);
    }

    [Fact]
    public async Task VerifyKey_ServiceWithAnotherPepper_Unknown()
    {
        await using var auth = await AuthHost.StartAsync(redis.ConnectionString);
        await using var other = await AuthHost.StartAsync(redis.ConnectionString, AuthHost.Pepper + "-rotated");
        var created = await auth.CreateAsync(Tenant());

        Assert.Equal(VerifyResult.Valid, (await auth.VerifyAsync(created.ApiKey)).Result);
        Assert.Equal(VerifyResult.Unknown, (await other.VerifyAsync(created.ApiKey)).Result);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("too-short-pepper")]
    public async Task Start_PepperMissingOrShort_FailsNamingTheSetting(string? pepper)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Hosting.ServiceHost.StartAsync(
            "Gateway.Auth",
            new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.ConnectionString, ["Auth:KeyPepper"] = pepper },
            builder => Gateway.Auth.Extensions.AddApplicationServices(builder),
            app => Gateway.Auth.Extensions.MapApplicationEndpoints(app)));

        Assert.Contains("Auth__KeyPepper", error.Message);
    }

    /// <summary>A loopback port nothing listens on (it was free a moment ago and nothing here binds it).</summary>
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Every key name and every stored value in the Redis database.</summary>
    private static async Task<List<string>> DumpAsync(RedisConnection connection)
    {
        var values = new List<string>();
        var cursor = "0";
        do
        {
            var page = await connection.ExecuteAsync("SCAN", cursor, "COUNT", 1000);
            cursor = page.Items[0].AsString()!;
            foreach (var item in page.Items[1].Items)
            {
                var key = item.AsString()!;
                values.Add(key);
                var type = (await connection.ExecuteAsync("TYPE", key)).AsString();
                var content = type switch
                {
                    "string" => await connection.ExecuteAsync("GET", key),
                    "hash" => await connection.ExecuteAsync("HGETALL", key),
                    "set" => await connection.ExecuteAsync("SMEMBERS", key),
                    "zset" => await connection.ExecuteAsync("ZRANGE", key, 0, -1),
                    _ => null,
                };
                if (content is null)
                {
                    continue;
                }

                if (content.Type == RedisResultType.Array)
                {
                    values.AddRange(content.Items.Select(i => i.AsString() ?? ""));
                }
                else
                {
                    values.Add(content.AsString() ?? "");
                }
            }
        }
        while (cursor != "0");

        return values;
    }
}
