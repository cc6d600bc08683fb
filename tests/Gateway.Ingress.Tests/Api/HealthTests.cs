using System.Net;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Api;

[Collection(IngressCollection.Name)]
public sealed class HealthTests(IngressFixture fixture)
{
    [Fact]
    public async Task Live_Always_Answers200()
    {
        using var response = await fixture.Public.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ready_BusStarted_Answers200()
    {
        using var response = await fixture.Public.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
