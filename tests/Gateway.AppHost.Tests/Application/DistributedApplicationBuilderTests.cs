using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Gateway.AppHost.Hosting;
using Gateway.Testing;

namespace Gateway.AppHost.Tests.Application;

/// <summary>The resource graph and its environment wiring, built without starting anything.</summary>
public sealed partial class DistributedApplicationBuilderTests
{
    [Fact]
    public void Build_GatewayStackWithStateDirectory_UsageJournalIsUnderIt()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            RepositoryRoot = "/repo",
            StateDirectory = "/var/tmp/stack-a",
            Output = null,
        });
        GatewayStack.Define(builder, GatewayStackOptions.ForTests());
        var app = builder.Build();

        // Each stack keeps its own journal of unpublished usage, so one stack never replays another's events.
        Assert.Equal("/var/tmp/stack-a/usage-spill", app.GetEnvironment("ingress")["Ingress__UsageSpillDirectory"]);
    }

    [Fact]
    public void Build_GatewayStack_ReferencesProduceContractVariables()
    {
        var options = GatewayStackOptions.ForTests();
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { RepositoryRoot = "/repo", Output = null });
        var stack = GatewayStack.Define(builder, options);

        var app = builder.Build();

        var redis = $"127.0.0.1:{stack.Redis.Resource.PrimaryEndpoint.Port}";
        var rabbit = $"amqp://guest:guest@127.0.0.1:{stack.RabbitMq.Resource.PrimaryEndpoint.Port}/";
        string Url(IResourceBuilder<Resource> r, string endpoint) => $"http://127.0.0.1:{r.Resource.GetEndpoint(endpoint).Port}";

        var auth = app.GetEnvironment("auth");
        Assert.Equal(redis, auth["ConnectionStrings__Redis"]);
        Assert.Equal(Url(stack.Auth, "Grpc"), auth["Kestrel__Endpoints__Grpc__Url"]);
        Assert.Equal("Http2", auth["Kestrel__Endpoints__Grpc__Protocols"]);
        Assert.Equal(options.KeyPepper, auth["Auth__KeyPepper"]);
        Assert.Equal("auth", auth["OTEL_SERVICE_NAME"]);
        Assert.Equal("Development", auth["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("Development", auth["DOTNET_ENVIRONMENT"]);

        Assert.Equal(redis, app.GetEnvironment("quota")["ConnectionStrings__Redis"]);

        var routing = app.GetEnvironment("routing");
        Assert.Equal(redis, routing["ConnectionStrings__Redis"]);
        Assert.Equal(Url(stack.Simulator, "Http"), routing["SIMULATOR_BASE_URL"]);
        Assert.Equal("/repo/services/Gateway.Routing/catalog.json", routing["Routing__CatalogPath"]);

        var metering = app.GetEnvironment("metering");
        Assert.Equal(redis, metering["ConnectionStrings__Redis"]);
        Assert.Equal(rabbit, metering["ConnectionStrings__RabbitMq"]);

        Assert.Equal(Url(stack.Simulator, "Http"), app.GetEnvironment("simulator")["Kestrel__Endpoints__Http__Url"]);
        Assert.DoesNotContain("Kestrel__Endpoints__Http__Protocols", app.GetEnvironment("simulator").Keys);

        var ingress = app.GetEnvironment("ingress");
        Assert.Equal(Url(stack.Auth, "Grpc"), ingress["Services__Auth"]);
        Assert.Equal(Url(stack.Quota, "Grpc"), ingress["Services__Quota"]);
        Assert.Equal(Url(stack.Routing, "Grpc"), ingress["Services__Routing"]);
        Assert.Equal(Url(stack.Metering, "Grpc"), ingress["Services__Metering"]);
        Assert.Equal(rabbit, ingress["ConnectionStrings__RabbitMq"]);
        Assert.Equal(options.AdminToken, ingress["Ingress__AdminToken"]);
        Assert.Equal(stack.PublicBaseAddress.ToString().TrimEnd('/'), ingress["Kestrel__Endpoints__Public__Url"]);
        Assert.Equal(stack.AdminBaseAddress.ToString().TrimEnd('/'), ingress["Kestrel__Endpoints__Admin__Url"]);

        var ports = app.Resources.SelectMany(r => r.Endpoints).Select(e => e.Port).ToList();
        Assert.Equal(9, ports.Count);
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public void Build_GatewayStack_EverySetVariableIsInTheConfigurationContract()
    {
        var contract = File.ReadAllText(Path.Combine(GatewayTestEnvironment.RepositoryRoot, "docs", "configuration.md"));
        var documented = BacktickedName().Matches(contract).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { RepositoryRoot = "/repo", Output = null });
        GatewayStack.Define(builder, GatewayStackOptions.ForTests());
        var app = builder.Build();

        var undocumented = app.Resources.OfType<ProcessResource>()
            .SelectMany(r => app.GetEnvironment(r.Name).Keys.Select(k => (r.Name, Key: k)))
            .Where(v => v.Key is not ("ASPNETCORE_ENVIRONMENT" or "DOTNET_ENVIRONMENT") && !v.Key.StartsWith("OTEL_EXPORTER_OTLP_", StringComparison.Ordinal))
            .Where(v => !documented.Contains(v.Key) && !KestrelEndpoint().IsMatch(v.Key))
            .ToList();

        Assert.True(undocumented.Count == 0, "Not in docs/configuration.md: " + string.Join(", ", undocumented));
    }

    [Fact]
    public void Build_FixedPortBusy_FallsBackToFreePortAndSaysSo()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var busy = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var messages = new List<string>();
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Output = messages.Add });
        var web = builder.AddExecutable("web", "node", null).WithHttpEndpoint("Public", port: busy);

        builder.Build();

        Assert.NotEqual(busy, web.Resource.GetEndpoint("Public").Port);
        Assert.Contains(messages, m => m.Contains($"port {busy}", StringComparison.Ordinal) && m.Contains("busy", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_FixedPortFree_KeepsIt()
    {
        var free = PortAllocator.GetFreeTcpPort();
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Output = null });
        var web = builder.AddExecutable("web", "node", null).WithHttpEndpoint("Public", port: free);

        builder.Build();

        Assert.Equal(free, web.Resource.GetEndpoint("Public").Port);
    }

    [Fact]
    public void Build_WaitForCycle_ThrowsNamingTheCycle()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Output = null });
        var a = builder.AddExecutable("a", "true", null);
        var b = builder.AddExecutable("b", "true", null);
        a.WaitFor(b);
        b.WaitFor(a);

        var ex = Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.Contains("cycle", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("a", ex.Message);
    }

    [Fact]
    public void Build_ResourcesDeclaredOutOfOrder_OrdersDependenciesFirst()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Output = null });
        var web = builder.AddExecutable("web", "true", null);
        var api = builder.AddExecutable("api", "true", null).WithGrpcEndpoint();
        var redis = builder.AddRedis("redis");
        web.WithReference(api).WaitFor(api);
        api.WithReference(redis).WaitFor(redis);

        var app = builder.Build();

        Assert.Equal(["redis", "api", "web"], app.Resources.Select(r => r.Name));
    }

    [Fact]
    public void WithReference_ServiceWithDashedName_UsesPascalCaseServicesVariable()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Output = null });
        var service = builder.AddProject("usage-ledger", "services/X").WithGrpcEndpoint().WithHttpEndpoint("Http");
        var client = builder.AddProject("client", "services/Y").WithReference(service).WithReference(service, "Ledger");

        var app = builder.Build();

        var environment = app.GetEnvironment("client");
        var grpc = $"http://127.0.0.1:{service.Resource.GetEndpoint("Grpc").Port}";
        Assert.Equal(grpc, environment["Services__UsageLedger"]);
        Assert.Equal(grpc, environment["Services__Ledger"]);
    }

    [Fact]
    public void GetEnvironment_ExecutableEndpoint_PassesPortInNamedVariableNotKestrel()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Output = null });
        var web = builder.AddExecutable("web", "node", null).WithHttpEndpoint(env: "PORT").WithEnvironment("MODE", "test");

        var app = builder.Build();

        var environment = app.GetEnvironment("web");
        Assert.Equal(web.Resource.PrimaryEndpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), environment["PORT"]);
        Assert.Equal("test", environment["MODE"]);
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("Kestrel__", StringComparison.Ordinal));
    }

    [Fact]
    public void SelectedResources_OnlyGiven_IncludesTransitiveDependencies()
    {
        var options = new DistributedApplicationOptions { Output = null };
        var builder = DistributedApplication.CreateBuilder(options);
        GatewayStack.Define(builder, GatewayStackOptions.ForTests());
        var app = builder.Build();

        options.Only.Add("metering");
        Assert.Equal(["metering", "rabbitmq", "redis"], app.SelectedResources.Select(r => r.Name).Order());

        options.Only.Clear();
        options.Only.UnionWith(["ingress"]);
        Assert.Equal(8, app.SelectedResources.Count);
    }

    [Theory]
    [InlineData(new[] { "--only", "redis,rabbitmq" }, ProjectBuildMode.Always, "redis|rabbitmq", null)]
    [InlineData(new[] { "--no-build", "-c", "Debug" }, ProjectBuildMode.Never, "", null)]
    [InlineData(new[] { "--bogus" }, ProjectBuildMode.Always, "", "Unknown argument '--bogus'.")]
    [InlineData(new[] { "--only" }, ProjectBuildMode.Always, "", "--only needs a value.")]
    public void Parse_CommandLine_ReadsOptionsOrReportsError(string[] args, ProjectBuildMode mode, string only, string? error)
    {
        var options = DistributedApplicationOptions.Parse(args);

        Assert.Equal(mode, options.BuildMode);
        Assert.Equal(only, string.Join('|', options.Only));
        Assert.Equal(error, options.ArgumentError);
        Assert.NotNull(options.StateDirectory);
    }

    [GeneratedRegex("`([A-Za-z_][A-Za-z0-9_]*)`")]
    private static partial Regex BacktickedName();

    [GeneratedRegex("^Kestrel__Endpoints__[A-Za-z]+__(Url|Protocols)$")]
    private static partial Regex KestrelEndpoint();
}
