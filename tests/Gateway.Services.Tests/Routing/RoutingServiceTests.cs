using Gateway.Grpc;
using Gateway.Routing.Catalog;
using Gateway.Routing.V1;
using Grpc.Health.V1;

namespace Gateway.Services.Tests.Routing;

/// <summary>The Routing service over the real gRPC layer, hosted in-process on a loopback h2c port.</summary>
public sealed class RoutingServiceTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    private static string DefaultCatalog => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "catalog.json"));

    private static string SmallCatalog(params string[] models) =>
        """{ "providers": [ { "id": "sim", "wire": "openai-chat", "baseUrl": "${SIMULATOR_BASE_URL}/v1" } ], "models": [ """
        + string.Join(", ", models.Select(m => $$"""{ "id": "{{m}}", "provider": "sim", "pricing": { "inputPerMTok": 1.5 } }"""))
        + " ] }";

    [Fact]
    public async Task Resolve_Alias_ReturnsRouteOfTargetModel()
    {
        await using var routing = await RoutingHost.StartAsync(DefaultCatalog);

        var response = await routing.Channel.UnaryAsync(RoutingHost.Resolve, new ResolveRequest { Model = "gpt-4o-mini" });

        Assert.True(response.Found);
        Assert.Equal("sim-gpt", response.Route.Model);
        Assert.Equal("sim-gpt", response.Route.UpstreamModel);
        Assert.Equal("simulator", response.Route.Provider.Id);
        Assert.Equal("http://127.0.0.1:5300/v1", response.Route.Provider.BaseUrl);
        Assert.Equal(WireKind.OpenaiChat, response.Route.Provider.Wire);
        Assert.Equal(150_000, response.Route.Pricing.InputPerMtokMicros);
    }

    [Theory]
    [InlineData("no-such-model")]
    [InlineData("GPT-4O-MINI")]
    [InlineData("gpt-4.1-mini")] // defined, but its provider has no key here
    public async Task Resolve_UnknownOrUnservedModel_NotFound(string model)
    {
        await using var routing = await RoutingHost.StartAsync(DefaultCatalog);

        var response = await routing.Channel.UnaryAsync(RoutingHost.Resolve, new ResolveRequest { Model = model });

        Assert.False(response.Found);
        Assert.Null(response.Route);
    }

    [Fact]
    public async Task Resolve_EmptyModel_InvalidArgument()
    {
        await using var routing = await RoutingHost.StartAsync(DefaultCatalog);

        var error = await Assert.ThrowsAsync<RpcException>(() => routing.Channel.UnaryAsync(RoutingHost.Resolve, new ResolveRequest()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task ListModels_ProviderKeySet_ListsServedModelsWithAliases()
    {
        await using var routing = await RoutingHost.StartAsync(DefaultCatalog, new() { ["ANTHROPIC_API_KEY"] = "sk-ant-test" });

        var response = await routing.Channel.UnaryAsync(RoutingHost.ListModels, new ListModelsRequest());

        Assert.Equal(["sim-gpt", "sim-responses", "sim-basic", "sim-claude", "claude-sonnet-4-5", "claude-haiku-4-5"],
            response.Models.Select(m => m.Id));
        var gpt = response.Models[0];
        Assert.Equal(["gpt-4o-mini"], gpt.Aliases);
        Assert.Equal("gateway-simulator", gpt.OwnedBy);
        Assert.Equal(1735689600, gpt.CreatedUnix);
        Assert.Equal(WireKind.AnthropicMessages, response.Models[3].Wire);
        Assert.Equal(WireKind.OpenaiResponses, response.Models[1].Wire);
        Assert.True(response.Models[4].Capabilities.Tools);
        Assert.False(response.Models[2].Capabilities.Tools);
    }

    [Fact]
    public async Task WatchCatalog_FileReplaced_PushesNewSnapshot()
    {
        await using var routing = await RoutingHost.StartAsync(SmallCatalog("one"));
        using var call = routing.Channel.ServerStreamingCall(RoutingHost.WatchCatalog, new WatchCatalogRequest());
        await using var stream = call.ReadAllAsync().GetAsyncEnumerator();

        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(StepTimeout));
        var first = stream.Current;
        Assert.Equal(["one"], first.Entries.Select(e => e.Info.Id));
        Assert.Equal(1_500_000, first.Entries[0].Route.Pricing.InputPerMtokMicros);

        await routing.ReplaceCatalogAsync(SmallCatalog("one", "two"));

        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(StepTimeout));
        var second = stream.Current;
        Assert.Equal(["one", "two"], second.Entries.Select(e => e.Info.Id));
        Assert.NotEqual(first.Version, second.Version);
        var resolved = await routing.Channel.UnaryAsync(RoutingHost.Resolve, new ResolveRequest { Model = "two" });
        Assert.True(resolved.Found);
    }

    [Fact]
    public async Task WatchCatalog_FileRewrittenInPlace_PushesNewSnapshot()
    {
        await using var routing = await RoutingHost.StartAsync(SmallCatalog("one"));
        using var call = routing.Channel.ServerStreamingCall(RoutingHost.WatchCatalog, new WatchCatalogRequest());
        await using var stream = call.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(StepTimeout));

        await File.WriteAllTextAsync(routing.CatalogPath, SmallCatalog("three"));

        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(StepTimeout));
        Assert.Equal(["three"], stream.Current.Entries.Select(e => e.Info.Id));
    }

    [Fact]
    public async Task WatchCatalog_InvalidChange_KeepsOldCatalogAndSendsNextValidOne()
    {
        await using var routing = await RoutingHost.StartAsync(SmallCatalog("one"));
        using var call = routing.Channel.ServerStreamingCall(RoutingHost.WatchCatalog, new WatchCatalogRequest());
        await using var stream = call.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(StepTimeout));
        var store = (CatalogStore)routing.Host.Services.GetService(typeof(CatalogStore))!;

        await routing.ReplaceCatalogAsync("""{ "providers": [], "models": [ { "id": "x", "provider": "missing" } ] }""");
        // The reload has happened once a reload finds nothing new to read (bounded wait, no timing assumption).
        await Hosting.Eventually.GetAsync(() => Task.FromResult(store.Reload()), reloaded => !reloaded, what: "the invalid file to be read");
        var stillServed = await routing.Channel.UnaryAsync(RoutingHost.Resolve, new ResolveRequest { Model = "one" });
        Assert.True(stillServed.Found);

        await routing.ReplaceCatalogAsync(SmallCatalog("four"));

        // The next message is the next valid catalog: nothing was sent for the rejected one.
        Assert.True(await stream.MoveNextAsync().AsTask().WaitAsync(StepTimeout));
        Assert.Equal(["four"], stream.Current.Entries.Select(e => e.Info.Id));
    }

    [Fact]
    public async Task WatchCatalog_ClientHoldsCurrentVersion_FirstMessageIsTheNextVersion()
    {
        await using var routing = await RoutingHost.StartAsync(SmallCatalog("one"));
        var current = ((CatalogStore)routing.Host.Services.GetService(typeof(CatalogStore))!).Current.Version;
        using var call = routing.Channel.ServerStreamingCall(RoutingHost.WatchCatalog, new WatchCatalogRequest { KnownVersion = current });
        await using var stream = call.ReadAllAsync().GetAsyncEnumerator();
        var next = stream.MoveNextAsync().AsTask();

        // Whether the call reaches the server before or after the change, the first message is the new version.
        await routing.ReplaceCatalogAsync(SmallCatalog("five"));

        Assert.True(await next.WaitAsync(StepTimeout));
        Assert.Equal(["five"], stream.Current.Entries.Select(e => e.Info.Id));
        Assert.NotEqual(current, stream.Current.Version);
    }

    [Fact]
    public async Task StartAsync_InvalidCatalog_FailsNamingTheEntry()
    {
        var error = await Assert.ThrowsAsync<CatalogException>(() =>
            RoutingHost.StartAsync("""{ "providers": [], "models": [ { "id": "lonely", "provider": "ghost" } ] }"""));

        Assert.Contains("models[0] (\"lonely\"): provider \"ghost\" is not defined.", error.Message);
    }

    [Fact]
    public async Task GrpcHealth_CatalogLoaded_ReportsServingForServerAndService()
    {
        await using var routing = await RoutingHost.StartAsync(DefaultCatalog);
        var check = new Method<HealthCheckRequest, HealthCheckResponse>(HealthReflection.Descriptor.Services[0], "Check");

        foreach (var service in new[] { "", "gateway.routing.v1.RoutingService" })
        {
            var response = await Hosting.Eventually.GetAsync(
                () => routing.Channel.UnaryAsync(check, new HealthCheckRequest { Service = service }),
                r => r.Status == HealthCheckResponse.Types.ServingStatus.Serving,
                what: $"'{service}' to be SERVING");
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
        }
    }
}
