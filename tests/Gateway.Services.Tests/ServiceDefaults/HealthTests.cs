using System.Net;
using Gateway.Grpc;
using Gateway.Routing.V1;
using Gateway.ServiceDefaults.Health;
using Gateway.Services.Tests.Hosting;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Gateway.Services.Tests.ServiceDefaults;

/// <summary>/health/live, /health/ready and grpc.health.v1 on a gRPC service's h2c listener.</summary>
public sealed class HealthTests
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = new(HealthReflection.Descriptor.Services[0], "Check");
    private const string ServiceName = "gateway.routing.v1.RoutingService";

    [Fact]
    public async Task Health_ReadyCheckFailsThenPasses_EndpointsAndGrpcHealthFollow()
    {
        var dependency = new Switch();
        await using var host = await ServiceHost.StartAsync(
            "Gateway.Tests.HealthProbe",
            new Dictionary<string, string?>(),
            builder =>
            {
                builder.AddGrpcServiceDefaults(RoutingReflection.Descriptor.Services[0]);
                builder.Services.AddHealthChecks()
                    .AddCheck("dependency", () => dependency.Up ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("down"), [HealthTags.Ready])
                    .AddCheck("not-for-readiness", () => HealthCheckResult.Unhealthy("ignored"));
            },
            _ => { });
        using var http = host.CreateHttp2Client();

        using (var live = await http.GetAsync(ServiceDefaultsExtensions.LivenessPath))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        using (var ready = await http.GetAsync(ServiceDefaultsExtensions.ReadinessPath))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        await WaitForStatusAsync(host, "", ServingStatus.NotServing);
        await WaitForStatusAsync(host, ServiceName, ServingStatus.NotServing);

        dependency.Up = true;

        using (var ready = await http.GetAsync(ServiceDefaultsExtensions.ReadinessPath))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await WaitForStatusAsync(host, "", ServingStatus.Serving);
        await WaitForStatusAsync(host, ServiceName, ServingStatus.Serving);
    }

    [Fact]
    public async Task AddGrpcServiceDefaults_NoGrpcEndpointConfigured_FailsWithTheVariableName()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddGrpcServiceDefaults(RoutingReflection.Descriptor.Services[0]));

        Assert.Contains("Kestrel__Endpoints__Grpc__Url", error.Message);
    }

    private static Task WaitForStatusAsync(ServiceHost host, string service, ServingStatus expected) =>
        Eventually.GetAsync(
            () => host.Channel.UnaryAsync(Check, new HealthCheckRequest { Service = service }),
            r => r.Status == expected,
            what: $"gRPC health of '{service}' to be {expected}");

    private sealed class Switch
    {
        public volatile bool Up;
    }
}
