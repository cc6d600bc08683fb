using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

[Collection(IngressCollection.Name)]
public sealed class DependencyDownTests(IngressFixture fixture)
{
    [Fact]
    public async Task Post_AuthDown_Answers503()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), FakeDependencies.AuthDownKey));
        var error = await Http.AssertEnvelopeAsync(response, 503, "service_unavailable", "api_error");
        Assert.Contains("auth", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Post_AuthHangingAndIgnoringCancellation_Answers503AtTheDeadline()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), FakeDependencies.AuthHangKey));
        await Http.AssertEnvelopeAsync(response, 503, "service_unavailable");
    }

    [Fact]
    public async Task Post_QuotaDown_Answers503()
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), FakeDependencies.QuotaDownKey));
        var error = await Http.AssertEnvelopeAsync(response, 503, "service_unavailable");
        Assert.Contains("quota", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FakeDependencies.RoutingDownModel)]
    [InlineData(FakeDependencies.RoutingHangModel)]
    public async Task Post_RoutingDownOrHanging_Answers503(string model)
    {
        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(model)));
        var error = await Http.AssertEnvelopeAsync(response, 503, "service_unavailable");
        Assert.Contains("routing", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
