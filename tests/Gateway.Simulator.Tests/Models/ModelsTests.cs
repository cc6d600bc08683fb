using System.Net;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests.Models;

public sealed class ModelsTests(ConfiguredSimulatorHost host) : IClassFixture<ConfiguredSimulatorHost>
{
    [Fact]
    public async Task List_OpenAiClient_ReturnsConfiguredModelsInOpenAiShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new("Bearer", Wire.OpenAiKey);
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("list", json.RootElement.GetProperty("object").GetString());
        var models = json.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["sim-gpt", "sim-claude"], models.Select(m => m.GetProperty("id").GetString()));
        Assert.All(models, m => Assert.Equal("model", m.GetProperty("object").GetString()));
        Assert.All(models, m => Assert.True(m.GetProperty("created").GetInt64() > 0));
        Assert.All(models, m => Assert.False(string.IsNullOrEmpty(m.GetProperty("owned_by").GetString())));
    }

    [Fact]
    public async Task List_AnthropicClient_ReturnsConfiguredModelsInAnthropicShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.TryAddWithoutValidation("x-api-key", Wire.AnthropicKey);
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var models = json.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["sim-gpt", "sim-claude"], models.Select(m => m.GetProperty("id").GetString()));
        Assert.All(models, m => Assert.Equal("model", m.GetProperty("type").GetString()));
        Assert.False(json.RootElement.GetProperty("has_more").GetBoolean());
        Assert.Equal("sim-gpt", json.RootElement.GetProperty("first_id").GetString());
        Assert.Equal("sim-claude", json.RootElement.GetProperty("last_id").GetString());
    }

    [Theory]
    [InlineData("sim-gpt", HttpStatusCode.OK)]
    [InlineData("gpt-unknown", HttpStatusCode.NotFound)]
    public async Task Retrieve_ListedOrNot_OkOrNotFound(string model, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/models/{model}");
        request.Headers.Authorization = new("Bearer", Wire.OpenAiKey);
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(model, json.RootElement.GetProperty("id").GetString());
        }
        else
        {
            Assert.Equal("model_not_found", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
    }
}

public sealed class HealthAndRoutesTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_Get_Healthy(string path)
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.GetAsync(path, deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(deadline.Token));
    }

    [Fact]
    public async Task Root_Head_Ok()
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"), deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_Post_Returns404InOpenAiEnvelope()
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.PostAsync("/v1/unknown", new StringContent("{}"), deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("invalid_request_error", Wires.ErrorType(WireKind.OpenAi, json.RootElement));
    }

    [Fact]
    public async Task ListModels_NoneConfigured_EmptyList()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new("Bearer", Wire.OpenAiKey);
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, json.RootElement.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task RetrieveModel_AnyModelAccepted_EchoesId()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models/anything-goes");
        request.Headers.Authorization = new("Bearer", Wire.OpenAiKey);
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal("anything-goes", json.RootElement.GetProperty("id").GetString());
    }
}
