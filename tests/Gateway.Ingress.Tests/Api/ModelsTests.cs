using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

[Collection(IngressCollection.Name)]
public sealed class ModelsTests(IngressFixture fixture)
{
    private static HttpRequestMessage Get(string path, string? key = FakeDependencies.ValidKey, bool anthropic = false, bool xApiKey = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            if (xApiKey)
            {
                request.Headers.Add("x-api-key", key);
            }
            else
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
        }

        if (anthropic)
        {
            request.Headers.Add("anthropic-version", "2023-06-01");
        }

        return request;
    }

    private async Task<JsonObject> OkJsonAsync(HttpRequestMessage request)
    {
        using var response = await fixture.Public.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return JsonNode.Parse(text)!.AsObject();
    }

    [Theory]
    [InlineData("/v1/models")]
    [InlineData("/openai/v1/models")]
    [InlineData(IngressFixture.BasePath + "/v1/models")]
    public async Task List_OpenAi_ListsPublicIdsAndAliasesInOpenAiShape(string path)
    {
        var json = await OkJsonAsync(Get(path));
        Assert.Equal("list", json["object"]!.GetValue<string>());
        var data = json["data"]!.AsArray();
        Assert.Equal(
            [FakeDependencies.Model, FakeDependencies.ModelAlias, FakeDependencies.AllowedModel, FakeDependencies.AliasOfAllowed,
                FakeDependencies.DeadUpstreamModel, FakeDependencies.AnthropicModel],
            data.Select(m => m!["id"]!.GetValue<string>()).ToArray());
        var first = data[0]!.AsObject();
        Assert.Equal(["id", "object", "created", "owned_by"], first.Select(p => p.Key).ToArray());
        Assert.Equal("model", first["object"]!.GetValue<string>());
        Assert.Equal(1_700_000_000, first["created"]!.GetValue<long>());
        Assert.Equal(FakeDependencies.ProviderId, first["owned_by"]!.GetValue<string>());
        Assert.Equal(1_700_000_000, data[1]!["created"]!.GetValue<long>()); // an alias carries its model's fields
    }

    [Theory]
    [InlineData("/v1/models", false)]
    [InlineData("/anthropic/v1/models", true)]
    [InlineData(IngressFixture.BasePath + "/anthropic/v1/models", true)]
    public async Task List_AnthropicVersionHeader_AnthropicShape(string path, bool xApiKey)
    {
        var json = await OkJsonAsync(Get(path, anthropic: true, xApiKey: xApiKey));
        Assert.Equal(["data", "has_more", "first_id", "last_id"], json.Select(p => p.Key).ToArray());
        Assert.False(json["has_more"]!.GetValue<bool>());
        var data = json["data"]!.AsArray();
        Assert.Equal(6, data.Count);
        Assert.Equal(FakeDependencies.Model, json["first_id"]!.GetValue<string>());
        Assert.Equal(FakeDependencies.AnthropicModel, json["last_id"]!.GetValue<string>());
        var last = data[^1]!.AsObject();
        Assert.Equal(["type", "id", "display_name", "created_at"], last.Select(p => p.Key).ToArray());
        Assert.Equal("model", last["type"]!.GetValue<string>());
        Assert.Equal(FakeDependencies.AnthropicModel, last["id"]!.GetValue<string>());
        Assert.Equal("2023-11-14T22:18:20Z", last["created_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_KeyWithAllowlist_ListsOnlyAllowedModelsAndTheirAliases()
    {
        var json = await OkJsonAsync(Get("/v1/models", FakeDependencies.LimitedKey));
        Assert.Equal([FakeDependencies.AllowedModel, FakeDependencies.AliasOfAllowed],
            json["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToArray());
    }

    [Theory]
    [InlineData(FakeDependencies.Model)]
    [InlineData(FakeDependencies.ModelAlias)]
    public async Task Get_KnownModel_ReturnsIt(string id)
    {
        var json = await OkJsonAsync(Get("/v1/models/" + id));
        Assert.Equal(id, json["id"]!.GetValue<string>());
        Assert.Equal("model", json["object"]!.GetValue<string>());

        var anthropic = await OkJsonAsync(Get("/anthropic/v1/models/" + id, anthropic: true));
        Assert.Equal(id, anthropic["id"]!.GetValue<string>());
        Assert.Equal("model", anthropic["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_UnknownOrNotAllowedModel_Is404InTheSurfacesEnvelope()
    {
        using (var response = await fixture.Public.SendAsync(Get("/v1/models/no-such-model")))
        {
            await Http.AssertEnvelopeAsync(response, 404, "model_not_found");
        }

        using (var response = await fixture.Public.SendAsync(Get("/v1/models/" + FakeDependencies.Model, FakeDependencies.LimitedKey)))
        {
            await Http.AssertEnvelopeAsync(response, 404, "model_not_found");
        }

        using (var response = await fixture.Public.SendAsync(Get("/v1/models/no-such-model", anthropic: true)))
        {
            await Http.AssertAnthropicEnvelopeAsync(response, 404, "not_found_error");
        }
    }

    [Fact]
    public async Task List_NoOrBadKey_Is401InTheSurfacesEnvelope()
    {
        using (var response = await fixture.Public.SendAsync(Get("/v1/models", key: null)))
        {
            await Http.AssertEnvelopeAsync(response, 401, "missing_api_key");
        }

        using (var response = await fixture.Public.SendAsync(Get("/v1/models", key: "sk-unknown", anthropic: true, xApiKey: true)))
        {
            await Http.AssertAnthropicEnvelopeAsync(response, 401, "authentication_error");
        }

        using (var response = await fixture.Public.SendAsync(Get("/v1/models", key: FakeDependencies.AuthDownKey, anthropic: true)))
        {
            await Http.AssertAnthropicEnvelopeAsync(response, 503, "overloaded_error");
            Assert.Equal("1", response.Headers.GetValues("retry-after").Single());
        }
    }

    [Theory]
    [InlineData("openai7-node-models-list.json")]
    [InlineData("openai-dotnet-models-list.json")]
    [InlineData("openai7-node-models-retrieve.json")]
    public async Task Replay_RecordedOpenAiSdkRequest_Gets200InOpenAiShape(string file)
    {
        var entry = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", file)))!.AsArray()[0]!;
        var path = entry["rawUrl"]!.GetValue<string>();
        var retrieve = path.StartsWith("/v1/models/", StringComparison.Ordinal);
        if (retrieve)
        {
            path = "/v1/models/" + FakeDependencies.Model; // the recorded id is not in the fake catalog
        }

        var request = Get(path);
        foreach (var (name, value) in entry["headers"]!.AsObject())
        {
            if (name is not ("host" or "connection" or "authorization" or "accept-encoding"))
            {
                request.Headers.TryAddWithoutValidation(name, value!.GetValue<string>());
            }
        }

        var json = await OkJsonAsync(request);
        if (retrieve)
        {
            Assert.Equal(FakeDependencies.Model, json["id"]!.GetValue<string>());
            Assert.Equal("model", json["object"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal("list", json["object"]!.GetValue<string>());
            Assert.NotEmpty(json["data"]!.AsArray());
        }
    }
}
