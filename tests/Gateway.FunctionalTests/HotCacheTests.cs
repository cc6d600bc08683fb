using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.AppHost;
using Gateway.AppHost.Hosting;
using Gateway.Auth.V1;
using Gateway.Grpc;
using Gateway.Redis;
using Gateway.Testing;

namespace Gateway.FunctionalTests;

/// <summary>
/// A stack of its own for the hot-path caches: short bounds (key TTL, catalog staleness), a catalog file the tests
/// may rewrite, and a second Auth replica on the same Redis that the Ingress does not talk to.
/// </summary>
public sealed class HotCacheStackFixture : GatewayStackFixture
{
    /// <summary>Ingress__KeyCacheTtlSeconds of this stack.</summary>
    public static readonly TimeSpan KeyTtl = TimeSpan.FromSeconds(8);

    /// <summary>Ingress__CatalogMaxStalenessSeconds of this stack.</summary>
    public static readonly TimeSpan CatalogMaxStaleness = TimeSpan.FromSeconds(10);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gw-hot-" + Guid.NewGuid().ToString("N"));

    public string CatalogPath => Path.Combine(_directory, "catalog.json");

    public IResourceBuilder<ProjectResource>? SecondAuth { get; private set; }

    public override async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        File.Copy(Path.Combine(GatewayTestEnvironment.RepositoryRoot, "services", "Gateway.Routing", "catalog.json"), CatalogPath);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    protected override GatewayStackOptions CreateStackOptions()
    {
        var options = GatewayStackOptions.ForTests();
        return new GatewayStackOptions
        {
            AdminToken = options.AdminToken,
            KeyPepper = options.KeyPepper,
            PublicPort = null,
            AdminPort = null,
            CatalogPath = CatalogPath,
        };
    }

    protected override void ConfigureStack(GatewayStackResources stack)
    {
        stack.Ingress
            .WithEnvironment("Ingress__KeyCacheTtlSeconds", ((int)KeyTtl.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Ingress__CatalogMaxStalenessSeconds", ((int)CatalogMaxStaleness.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        stack.Routing.WithEnvironment("Routing__ReloadDebounceMs", "50");
    }

    protected override void ConfigureStack(DistributedApplicationBuilder builder, GatewayStackResources stack) =>
        SecondAuth = builder.AddProject("auth2", "services/Gateway.Auth")
            .WithGrpcEndpoint()
            .WithReference(stack.Redis).WaitFor(stack.Redis)
            .WithEnvironment("Auth__KeyPepper", StackOptions.KeyPepper);
}

/// <summary>
/// The Ingress's verified-key cache (push invalidation, TTL bound, no cache while the revocation stream is down) and
/// its local catalog (pushed changes, routing through a Routing outage within the staleness bound), against the real
/// services. Every wait is bounded; the only timing asserted is the bounds themselves.
/// </summary>
public sealed class HotCacheTests(HotCacheStackFixture stack) : IClassFixture<HotCacheStackFixture>, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly Method<RevokeKeyRequest, RevokeKeyResponse> RevokeKey = new(AuthReflection.Descriptor.Services[0], "RevokeKey");

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Chat_KeyRevokedThroughAdminApi_RefusedOnNextRequest()
    {
        await WaitUntilHealthyAsync();
        var key = await stack.CreateKeyAsync(rpmLimit: 100_000); // polls must not hit the rate limit
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(key.ApiKey)).Status);

        using (var revoke = new HttpRequestMessage(HttpMethod.Delete, new Uri(stack.AdminBaseUrl, "admin/keys/" + key.KeyId)))
        {
            revoke.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminToken);
            using var revoked = await _http.SendAsync(revoke);
            Assert.True(revoked.IsSuccessStatusCode, $"revoke answered {(int)revoked.StatusCode}");
        }

        var after = await ChatAsync(key.ApiKey);
        Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
    }

    [Fact]
    public async Task Chat_KeyRevokedThroughAnotherAuthReplica_RefusedBeforeTheTtl()
    {
        await WaitUntilHealthyAsync();
        var key = await stack.CreateKeyAsync(rpmLimit: 100_000); // polls must not hit the rate limit
        var cachedAt = Stopwatch.StartNew(); // the entry is at most this old
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(key.ApiKey)).Status);

        using (var auth2 = GrpcChannel.ForAddress(stack.SecondAuth!.Resource.GetEndpoint("Grpc").Url))
        {
            var revoked = await auth2.UnaryAsync(RevokeKey, new RevokeKeyRequest { KeyId = key.KeyId },
                new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(10)));
            Assert.True(revoked.Found);
        }

        // The push travels auth2 -> Redis -> auth -> Ingress: poll for it, but it must beat the TTL (else only the
        // TTL refused the key and the push did not work).
        var refused = await PollAsync(() => ChatAsync(key.ApiKey), r => r.Status == HttpStatusCode.Unauthorized, "a 401 after the revocation");
        Assert.True(cachedAt.Elapsed < HotCacheStackFixture.KeyTtl,
            $"refused only {cachedAt.Elapsed.TotalSeconds:0.0} s after the key was cached, not before the {HotCacheStackFixture.KeyTtl.TotalSeconds} s TTL");
        Assert.Contains("revoked", refused.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Chat_RevocationPushLost_KeyRefusedOnceTheTtlPassed()
    {
        await WaitUntilHealthyAsync();
        var key = await stack.CreateKeyAsync(rpmLimit: 100_000); // polls must not hit the rate limit
        var sinceSent = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(key.ApiKey)).Status);
        var sinceCached = Stopwatch.StartNew(); // the entry was stored before this answer arrived

        // Revoked in Redis without the announcement: a push that was lost.
        await using (var redis = await RedisConnection.ConnectAsync(RedisOptions.Parse(stack.Stack.Redis.Resource.GetConnectionString())))
        {
            await redis.ExecuteAsync("HSET", "auth:key:" + key.KeyId, "revoked", "1");
        }

        var stale = await ChatAsync(key.ApiKey);
        if (sinceSent.Elapsed < HotCacheStackFixture.KeyTtl)
        {
            // Within the TTL the cached answer is still served: that is what the bound allows (and shows the cache).
            Assert.Equal(HttpStatusCode.OK, stale.Status);
        }

        var left = HotCacheStackFixture.KeyTtl - sinceCached.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left + TimeSpan.FromMilliseconds(100));
        }

        var after = await ChatAsync(key.ApiKey);
        Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
    }

    [Fact]
    public async Task Chat_AuthStopped_CachedKeyNotUsedAnd503NamesAuth()
    {
        await WaitUntilHealthyAsync();
        var key = await stack.CreateKeyAsync(rpmLimit: 100_000); // polls must not hit the rate limit
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(key.ApiKey)).Status);

        await stack.App.StopResourceAsync("auth");
        try
        {
            // The Ingress stays ready (Degraded answers 200) once it noticed the revocation stream is gone.
            await PollAsync(ReadinessAsync, r => r.Status == HttpStatusCode.OK && r.Body == "Degraded", "readiness Degraded while Auth is down");

            var refused = await ChatAsync(key.ApiKey);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
            Assert.Contains("auth", ErrorMessage(refused.Body), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await stack.App.StartResourceAsync("auth");
        }

        await PollAsync(() => ChatAsync(key.ApiKey), r => r.Status == HttpStatusCode.OK, "a 200 once Auth is back");
        await WaitUntilHealthyAsync();
    }

    [Fact]
    public async Task ModelsAndChat_CatalogFileRewritten_NewAliasListedAndRouted()
    {
        await WaitUntilHealthyAsync();
        var key = await stack.CreateKeyAsync(rpmLimit: 100_000); // polls must not hit the rate limit
        var alias = "hot-alias-" + Guid.NewGuid().ToString("N")[..8];
        var original = await File.ReadAllTextAsync(stack.CatalogPath);
        const string Aliases = "\"aliases\": [ \"gpt-4o-mini\" ]";
        Assert.Contains(Aliases, original, StringComparison.Ordinal);

        await File.WriteAllTextAsync(stack.CatalogPath, original.Replace(Aliases, $"\"aliases\": [ \"gpt-4o-mini\", \"{alias}\" ]", StringComparison.Ordinal));
        try
        {
            await PollAsync(() => GetAsync("v1/models", key.ApiKey), r => r.Body.Contains($"\"{alias}\"", StringComparison.Ordinal),
                "the new alias in /v1/models");

            var routed = await ChatAsync(key.ApiKey, alias);
            Assert.Equal(HttpStatusCode.OK, routed.Status);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync("v1/models/" + alias, key.ApiKey)).Status);
        }
        finally
        {
            await File.WriteAllTextAsync(stack.CatalogPath, original);
        }

        await PollAsync(() => GetAsync("v1/models", key.ApiKey), r => r.Status == HttpStatusCode.OK && !r.Body.Contains(alias, StringComparison.Ordinal),
            "the alias gone again");
        Assert.Equal(HttpStatusCode.NotFound, (await ChatAsync(key.ApiKey, alias)).Status);
    }

    [Fact]
    public async Task Chat_RoutingStopped_RoutedFromSnapshotWithinTheBoundThenAsksRouting()
    {
        await WaitUntilHealthyAsync();
        var key = await stack.CreateKeyAsync(rpmLimit: 100_000); // polls must not hit the rate limit
        Assert.Equal(HttpStatusCode.OK, (await ChatAsync(key.ApiKey, "gpt-4o-mini")).Status);

        var sinceStop = Stopwatch.StartNew(); // the Ingress cannot lose the stream before this
        await stack.App.StopResourceAsync("routing");
        try
        {
            var routed = await ChatAsync(key.ApiKey, "gpt-4o-mini");
            var models = await GetAsync("v1/models", key.ApiKey);
            var readiness = await ReadinessAsync();
            if (sinceStop.Elapsed < HotCacheStackFixture.CatalogMaxStaleness)
            {
                Assert.Equal(HttpStatusCode.OK, routed.Status);
                Assert.Equal(HttpStatusCode.OK, models.Status);
                Assert.Contains("\"sim-gpt\"", models.Body, StringComparison.Ordinal);
            }

            Assert.Equal(HttpStatusCode.OK, readiness.Status);

            // Past the bound the snapshot is not used any more: Routing is asked, and it is down.
            var refused = await PollAsync(() => ChatAsync(key.ApiKey, "gpt-4o-mini"), r => r.Status == HttpStatusCode.ServiceUnavailable,
                "a 503 once the snapshot is too old", HotCacheStackFixture.CatalogMaxStaleness + Wait);
            Assert.True(sinceStop.Elapsed >= HotCacheStackFixture.CatalogMaxStaleness,
                $"the snapshot was dropped after {sinceStop.Elapsed.TotalSeconds:0.0} s, before the {HotCacheStackFixture.CatalogMaxStaleness.TotalSeconds} s bound");
            Assert.Contains("routing", ErrorMessage(refused.Body), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await stack.App.StartResourceAsync("routing");
        }

        await PollAsync(() => ChatAsync(key.ApiKey, "gpt-4o-mini"), r => r.Status == HttpStatusCode.OK, "a 200 once Routing is back");
        await WaitUntilHealthyAsync();
    }

    private sealed record Reply(HttpStatusCode Status, string Body)
    {
        public override string ToString() => $"{(int)Status} {Body}";
    }

    private async Task<Reply> ChatAsync(string apiKey, string model = "sim-gpt")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(stack.OpenAiBaseUrl + "/chat/completions"))
        {
            Content = new StringContent(
                "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await _http.SendAsync(request);
        return new Reply(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<Reply> GetAsync(string path, string apiKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(stack.PublicBaseUrl, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await _http.SendAsync(request);
        return new Reply(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<Reply> ReadinessAsync()
    {
        using var response = await _http.GetAsync(new Uri(stack.PublicBaseUrl, "health/ready"));
        return new Reply(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Both streams (revocations from Auth, catalog from Routing) are live.</summary>
    private Task WaitUntilHealthyAsync() =>
        PollAsync(ReadinessAsync, r => r.Status == HttpStatusCode.OK && r.Body == "Healthy", "readiness Healthy (both streams live)");

    private static async Task<Reply> PollAsync(Func<Task<Reply>> probe, Func<Reply, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Reply last;
            try
            {
                last = await probe();
            }
            catch (HttpRequestException ex)
            {
                last = new Reply(0, ex.Message);
            }

            if (done(last))
            {
                return last;
            }

            if (deadline.Elapsed > (timeout ?? Wait))
            {
                Assert.Fail($"Timed out waiting for {what}; last reply: {last}");
            }

            await Task.Delay(100);
        }
    }

    private static string ErrorMessage(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("error").GetProperty("message").GetString() ?? "";
    }
}
