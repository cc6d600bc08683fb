using Gateway.Ingress.Dependencies;
using Gateway.Ingress.HotCaches;
using Gateway.Routing.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Tests.HotCaches;

/// <summary>The local catalog and its resolver, as pure units over a counting fake of Routing and a manual clock.</summary>
public sealed class LocalCatalogTests
{
    private readonly ManualTime _time = new();
    private readonly FakeRouting _routing = new();
    private readonly LocalCatalog _catalog;
    private readonly CatalogRouteResolver _resolver;

    public LocalCatalogTests()
    {
        _catalog = new LocalCatalog(Options.Create(new IngressOptions { CatalogMaxStalenessSeconds = 60 }), _time);
        _resolver = new CatalogRouteResolver(_routing, _catalog, NullLogger<CatalogRouteResolver>.Instance);
    }

    [Fact]
    public async Task ResolveAsync_NoSnapshotYet_AsksRouting()
    {
        var resolved = await _resolver.ResolveAsync("sim-gpt", default);

        Assert.Equal(1, _routing.Calls);
        Assert.Equal("from-routing", resolved.Route.UpstreamModel);
    }

    [Fact]
    public async Task ResolveAsync_SnapshotApplied_ResolvesIdsAndAliasesLocally()
    {
        _catalog.Apply(Snapshot(1, ("sim-gpt", ["gpt-4o-mini"]), ("sim-claude", [])));

        var byId = await _resolver.ResolveAsync("sim-gpt", default);
        var byAlias = await _resolver.ResolveAsync("gpt-4o-mini", default);
        var unknown = await _resolver.ResolveAsync("no-such-model", default);
        var caseDiffers = await _resolver.ResolveAsync("SIM-GPT", default);

        Assert.Equal(0, _routing.Calls);
        Assert.True(byId.Found);
        Assert.Equal("sim-gpt", byId.Route.Model);
        Assert.Same(byId, byAlias);
        Assert.False(unknown.Found);
        Assert.False(caseDiffers.Found);
    }

    [Fact]
    public async Task ListModelsAsync_SnapshotApplied_ListsInCatalogOrderWithAliases()
    {
        _catalog.Apply(Snapshot(1, ("b-model", ["b-alias"]), ("a-model", [])));

        var list = await _resolver.ListModelsAsync(default);

        Assert.Equal(0, _routing.Calls);
        Assert.Equal(["b-model", "a-model"], list.Models.Select(m => m.Id));
        Assert.Equal(["b-alias"], list.Models[0].Aliases);
    }

    [Fact]
    public async Task ResolveAsync_NewSnapshot_ReplacesTheOld()
    {
        _catalog.Apply(Snapshot(1, ("sim-gpt", [])));
        _catalog.Apply(Snapshot(2, ("sim-gpt", ["new-alias"])));

        Assert.True((await _resolver.ResolveAsync("new-alias", default)).Found);
        Assert.Equal(2, _catalog.Version);
    }

    [Fact]
    public async Task ResolveAsync_StreamDown_SnapshotUsedWithinTheBoundThenRoutingAsked()
    {
        _catalog.Apply(Snapshot(1, ("sim-gpt", [])));
        _catalog.MarkDisconnected();

        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.True((await _resolver.ResolveAsync("sim-gpt", default)).Found);
        Assert.Equal(0, _routing.Calls);

        _time.Advance(TimeSpan.FromSeconds(1));
        var resolved = await _resolver.ResolveAsync("sim-gpt", default);
        Assert.Equal(1, _routing.Calls);
        Assert.Equal("from-routing", resolved.Route.UpstreamModel);

        // The stream is back: local again.
        _catalog.Apply(Snapshot(1, ("sim-gpt", [])));
        await _resolver.ResolveAsync("sim-gpt", default);
        Assert.Equal(1, _routing.Calls);
    }

    [Fact]
    public void MarkDisconnected_Twice_StalenessCountsFromTheFirst()
    {
        _catalog.Apply(Snapshot(1, ("sim-gpt", [])));
        _catalog.MarkDisconnected();
        _time.Advance(TimeSpan.FromSeconds(50));
        _catalog.MarkDisconnected(); // a failed reconnect attempt

        _time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(LocalCatalog.State.Stale, _catalog.TryGet(out _));
    }

    private static CatalogSnapshot Snapshot(long version, params (string Id, string[] Aliases)[] models)
    {
        var snapshot = new CatalogSnapshot { Version = version };
        foreach (var (id, aliases) in models)
        {
            var info = new ModelInfo { Id = id, OwnedBy = "tests", Wire = WireKind.OpenaiChat };
            info.Aliases.AddRange(aliases);
            snapshot.Entries.Add(new CatalogEntry
            {
                Info = info,
                Route = new Route { Model = id, UpstreamModel = id, Provider = new Provider { Id = "p", Wire = WireKind.OpenaiChat, BaseUrl = "http://127.0.0.1:1/v1" } },
            });
        }

        return snapshot;
    }

    private sealed class FakeRouting : IRouteResolver
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<ResolveResponse> ResolveAsync(string model, CancellationToken ct)
        {
            Interlocked.Increment(ref _calls);
            return ValueTask.FromResult(new ResolveResponse { Found = true, Route = new Route { Model = model, UpstreamModel = "from-routing" } });
        }

        public ValueTask<ListModelsResponse> ListModelsAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _calls);
            return ValueTask.FromResult(new ListModelsResponse());
        }
    }
}
