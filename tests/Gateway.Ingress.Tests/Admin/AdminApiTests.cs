using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Ingress.Tests.Api;
using Gateway.Ingress.Tests.Fakes;
using Gateway.Metering.V1;

namespace Gateway.Ingress.Tests.Admin;

[Collection(IngressCollection.Name)]
public sealed class AdminApiTests(IngressFixture fixture)
{
    private static HttpRequestMessage AdminRequest(HttpMethod method, string path, string? token = IngressFixture.AdminToken, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    private async Task<JsonObject> CreateKeyAsync(string json = """{"tenantId":"tenant-x","name":"ci key","allowedModels":["gpt-test"],"rpmLimit":120}""")
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Post, "/admin/keys", json: json));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task PostKeys_ValidBody_Answers201WithKeyAndSecret()
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Post, "/admin/keys",
            json: """{"tenantId":"tenant-x","name":"ci key","allowedModels":["gpt-test"],"rpmLimit":120}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var key = body["key"]!.AsObject();
        Assert.Equal(
            ["keyId", "tenantId", "name", "allowedModels", "rpmLimit", "displayPrefix", "createdAt", "revoked"],
            key.Select(p => p.Key).ToArray());
        Assert.Equal("tenant-x", key["tenantId"]!.GetValue<string>());
        Assert.Equal("ci key", key["name"]!.GetValue<string>());
        Assert.Equal("gpt-test", key["allowedModels"]![0]!.GetValue<string>());
        Assert.Equal(120, key["rpmLimit"]!.GetValue<int>());
        Assert.StartsWith("sk-", body["apiKey"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), key["createdAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal($"/admin/keys/{key["keyId"]!.GetValue<string>()}", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task CreatedKey_CanCallThePublicApi()
    {
        var created = await CreateKeyAsync();
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), key: created["apiKey"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"n"}""", "tenantId")]
    [InlineData("""{"tenantId":"","name":"n"}""", "tenantId")]
    [InlineData("""{"tenantId":"t"}""", "name")]
    [InlineData("""{"tenantId":"t","name":"n","rpmLimit":-1}""", "rpmLimit")]
    [InlineData("""{"tenantId":"t","name":"n","allowedModels":[""]}""", "allowedModels")]
    public async Task PostKeys_InvalidBody_Answers400(string json, string param)
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Post, "/admin/keys", json: json));
        var error = await Http.AssertEnvelopeAsync(response, 400, "invalid_value");
        Assert.Equal(param, error["param"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("""{"tenantId":5,"name":"n"}""")]
    public async Task PostKeys_MalformedJson_Answers400(string json)
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Post, "/admin/keys", json: json));
        await Http.AssertEnvelopeAsync(response, 400, "invalid_json");
    }

    [Fact]
    public async Task GetKey_Existing_ReturnsMetadataWithoutSecret()
    {
        var created = await CreateKeyAsync();
        var keyId = created["key"]!["keyId"]!.GetValue<string>();
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Get, $"/admin/keys/{keyId}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(created["apiKey"]!.GetValue<string>(), text, StringComparison.Ordinal);
        Assert.Equal(keyId, JsonNode.Parse(text)!["keyId"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeleteKey_Existing_Answers204AndKeyIsRevoked()
    {
        var created = await CreateKeyAsync();
        var keyId = created["key"]!["keyId"]!.GetValue<string>();
        using (var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Delete, $"/admin/keys/{keyId}")))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        using (var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Get, $"/admin/keys/{keyId}")))
        {
            Assert.True(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["revoked"]!.GetValue<bool>());
        }

        using var chat = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), key: created["apiKey"]!.GetValue<string>()));
        await Http.AssertEnvelopeAsync(chat, 401, "invalid_api_key");
    }

    [Theory]
    [InlineData("GET", "/admin/keys/key-nope")]
    [InlineData("DELETE", "/admin/keys/key-nope")]
    [InlineData("GET", "/admin/keys/key-nope/usage")]
    public async Task UnknownKey_Answers404(string method, string path)
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(new HttpMethod(method), path));
        await Http.AssertEnvelopeAsync(response, 404, "key_not_found");
    }

    [Fact]
    public async Task GetUsage_Existing_MapsTheSummary()
    {
        fixture.Dependencies.Usage["key-limited"] = new UsageSummary
        {
            KeyId = "key-limited",
            Requests = 10,
            Completed = 7,
            Aborted = 2,
            Failed = 1,
            InputTokens = 1000,
            OutputTokens = 500,
            CachedInputTokens = 100,
            CacheWriteTokens = 50,
            ReasoningTokens = 20,
            CostMicros = 1_234_567,
            LastRequestUnixMs = 1_700_000_123_000,
        };
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Get, "/admin/keys/key-limited/usage"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(
            ["keyId", "requests", "completed", "aborted", "failed", "inputTokens", "outputTokens", "cachedInputTokens",
             "cacheWriteTokens", "reasoningTokens", "costUsd", "lastRequestAt"],
            usage.Select(p => p.Key).ToArray());
        Assert.Equal(10, usage["requests"]!.GetValue<long>());
        Assert.Equal(7, usage["completed"]!.GetValue<long>());
        Assert.Equal(50, usage["cacheWriteTokens"]!.GetValue<long>());
        Assert.Equal(1.234567m, usage["costUsd"]!.GetValue<decimal>());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_123_000), usage["lastRequestAt"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task GetUsage_NoRequestsYet_HasNullLastRequestAt()
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Get, "/admin/keys/key-ratelimited/usage"));
        var usage = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(0, usage["requests"]!.GetValue<long>());
        Assert.Null(usage["lastRequestAt"]);
    }

    [Fact]
    public async Task GetUsage_MeteringDown_Answers503()
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Get, $"/admin/keys/{FakeDependencies.MeteringDownKeyId}/usage"));
        await Http.AssertEnvelopeAsync(response, 503, "service_unavailable");
    }

    [Fact]
    public async Task GetKey_AuthDown_Answers503()
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Get, $"/admin/keys/{FakeDependencies.AuthDownKeyId}"));
        await Http.AssertEnvelopeAsync(response, 503, "service_unavailable");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-0123456789abcdef")]
    [InlineData("admin-token-0123456789abcde")]
    [InlineData("admin-token-0123456789abcdefX")]
    public async Task AdminRoutes_MissingOrWrongToken_Answer401(string? token)
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Get, "/admin/keys/key-valid", token));
        await Http.AssertEnvelopeAsync(response, 401, "invalid_admin_token");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task AdminRoutes_ClientApiKeyInsteadOfAdminToken_Answer401()
    {
        using var response = await fixture.Admin.SendAsync(AdminRequest(HttpMethod.Get, "/admin/keys/key-valid", FakeDependencies.ValidKey));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/admin/keys/key-valid")]
    [InlineData("POST", "/admin/keys")]
    [InlineData("GET", "/admin/keys/key-valid/usage")]
    public async Task AdminRoutes_OnThePublicPort_Answer404EvenWithTheToken(string method, string path)
    {
        var request = AdminRequest(new HttpMethod(method), path, json: method == "POST" ? """{"tenantId":"t","name":"n"}""" : null);
        request.Headers.Host = $"127.0.0.1:{fixture.AdminPort}"; // a forged Host header does not help
        using var response = await fixture.Public.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/v1/chat/completions")]
    [InlineData("GET", "/health/live")]
    [InlineData("GET", "/health/ready")]
    public async Task PublicRoutes_OnTheAdminPort_Answer404(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request = Http.Chat(Http.Body(FakeDependencies.Model));
        }

        using var response = await fixture.Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
