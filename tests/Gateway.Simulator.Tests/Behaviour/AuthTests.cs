using System.Net;
using Gateway.Simulator.Tests.Infrastructure;

namespace Gateway.Simulator.Tests.Behaviour;

public sealed class AuthTests(RequiredKeySimulatorHost host) : IClassFixture<RequiredKeySimulatorHost>
{
    [Theory]
    [InlineData(WireKind.OpenAi, null)]
    [InlineData(WireKind.OpenAi, "sk-wrong")]
    [InlineData(WireKind.Anthropic, null)]
    [InlineData(WireKind.Anthropic, "sk-wrong")]
    public async Task Send_MissingOrWrongKey_Returns401InWireEnvelope(WireKind wire, string? key)
    {
        using var request = wire == WireKind.OpenAi
            ? Wire.OpenAi(Wire.OpenAiBody("hi"), key)
            : Wire.Anthropic(Wire.AnthropicBody("hi"), key);
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);
        var type = Wires.ErrorType(wire, json.RootElement);
        Assert.Equal(wire == WireKind.OpenAi ? "invalid_request_error" : "authentication_error", type);
        var body = json.RootElement.GetRawText();
        Assert.DoesNotContain("sk-wrong", body);
    }

    [Fact]
    public async Task Send_WrongKeyOpenAi_CodeInvalidApiKey()
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Wire.OpenAi(Wire.OpenAiBody("hi"), "sk-wrong"), deadline.Token);
        using var json = await Wire.ReadJsonAsync(response, deadline.Token);

        Assert.Equal("invalid_api_key", json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(WireKind.OpenAi, false)]
    [InlineData(WireKind.Anthropic, false)]
    [InlineData(WireKind.Anthropic, true)]
    public async Task Send_RequiredKey_Accepted(WireKind wire, bool anthropicBearer)
    {
        HttpRequestMessage request;
        if (wire == WireKind.OpenAi)
        {
            request = Wire.OpenAi(Wire.OpenAiBody("hi"), RequiredKeySimulatorHost.Key);
        }
        else if (anthropicBearer)
        {
            request = Wire.Anthropic(Wire.AnthropicBody("hi"), key: null);
            request.Headers.Authorization = new("Bearer", RequiredKeySimulatorHost.Key);
        }
        else
        {
            request = Wire.Anthropic(Wire.AnthropicBody("hi"), RequiredKeySimulatorHost.Key);
        }

        using (request)
        {
            using var deadline = Wire.Deadline();
            using var response = await host.Client.SendAsync(request, deadline.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Send_WrongKeyWithFaultHeader_AuthCheckedFirst()
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(
            Wire.OpenAi(Wire.OpenAiBody("hi"), "sk-wrong", ("x-sim-fault", "status:503")), deadline.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ListModels_WithoutKey_Returns401()
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.GetAsync("/v1/models", deadline.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

public sealed class AnyKeyTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Theory]
    [InlineData(WireKind.OpenAi)]
    [InlineData(WireKind.Anthropic)]
    public async Task Send_AnyNonEmptyKeyWithoutRequiredKey_Accepted(WireKind wire)
    {
        using var request = wire == WireKind.OpenAi
            ? Wire.OpenAi(Wire.OpenAiBody("hi"), "whatever-" + Guid.NewGuid())
            : Wire.Anthropic(Wire.AnthropicBody("hi"), "whatever-" + Guid.NewGuid());
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Send_EmptyBearer_Returns401()
    {
        using var request = Wire.OpenAi(Wire.OpenAiBody("hi"), key: null);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer ");
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(request, deadline.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
