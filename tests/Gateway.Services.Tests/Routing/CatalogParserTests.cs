using Gateway.Routing.Catalog;
using Gateway.Routing.V1;

namespace Gateway.Services.Tests.Routing;

public sealed class CatalogParserTests
{
    private static readonly Dictionary<string, string?> Simulator = new() { ["SIMULATOR_BASE_URL"] = "http://127.0.0.1:5300", ["SIMULATOR_API_KEY"] = "sim-key" };

    private static ModelCatalog ParseDefault(Dictionary<string, string?> env) =>
        CatalogParser.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "catalog.json")), name => env.GetValueOrDefault(name));

    private static ModelCatalog Parse(string json, Dictionary<string, string?>? env = null) =>
        CatalogParser.Parse(System.Text.Encoding.UTF8.GetBytes(json), name => env?.GetValueOrDefault(name));

    private static CatalogException ParseFails(string json, Dictionary<string, string?>? env = null) =>
        Assert.Throws<CatalogException>(() => Parse(json, env));

    [Fact]
    public void Parse_DefaultCatalogWithOnlySimulatorSet_ServesSimulatorModelsWithItsKeyAndDisablesKeyedProviders()
    {
        var catalog = ParseDefault(Simulator);

        Assert.Equal(["sim-gpt", "sim-responses", "sim-basic", "sim-claude"], catalog.Entries.Select(e => e.Info.Id));
        Assert.Equal(WireKind.OpenaiResponses, catalog.Resolve("sim-responses")!.Provider.Wire);
        var gpt = catalog.Resolve("sim-gpt")!;
        Assert.Equal("simulator", gpt.Provider.Id);
        Assert.Equal(WireKind.OpenaiChat, gpt.Provider.Wire);
        Assert.Equal("http://127.0.0.1:5300/v1", gpt.Provider.BaseUrl);
        Assert.Equal("sim-key", gpt.Provider.ApiKey);
        var claude = catalog.Resolve("sim-claude")!;
        Assert.Equal(WireKind.AnthropicMessages, claude.Provider.Wire);
        Assert.Equal("http://127.0.0.1:5300/v1", claude.Provider.BaseUrl);

        var disabledProviders = catalog.Disabled.Where(d => d.Kind == "provider").ToDictionary(d => d.Id, d => d.Reason);
        Assert.Equal("OPENAI_API_KEY is not set", disabledProviders["openai"]);
        Assert.Equal("ANTHROPIC_API_KEY is not set", disabledProviders["anthropic"]);
        Assert.Equal("OPENAI_COMPATIBLE_BASE_URL is not set", disabledProviders["openai-compatible"]);
        Assert.Null(catalog.Resolve("gpt-4.1-mini"));
        Assert.Null(catalog.Resolve("claude-sonnet-4-5"));
    }

    [Fact]
    public void Parse_DefaultCatalog_CapabilitiesAsListedOrTheChatDefault()
    {
        var catalog = ParseDefault(new(Simulator) { ["ANTHROPIC_API_KEY"] = "sk-ant-test", ["OPENAI_API_KEY"] = "sk-test-openai" });

        var gpt = catalog.Resolve("sim-gpt")!.Capabilities;
        Assert.True(gpt.Chat && gpt.Tools && gpt.Vision && gpt.Json && gpt.Embeddings && gpt.Images);
        Assert.Equal(new Capabilities { Chat = true }, catalog.Resolve("sim-basic")!.Capabilities);
        Assert.Equal(new Capabilities { Embeddings = true }, catalog.Resolve("text-embedding-3-small")!.Capabilities);
        var claude = catalog.Entries.Single(e => e.Info.Id == "claude-sonnet-4-5");
        Assert.Equal(new Capabilities { Chat = true, Tools = true, Vision = true, Json = true }, claude.Route.Capabilities);
        Assert.Equal(claude.Route.Capabilities, claude.Info.Capabilities);
    }

    [Theory]
    [InlineData("[]", "must name at least one")]
    [InlineData("[\"chat\", \"telepathy\"]", "capability \"telepathy\" is unknown")]
    [InlineData("[\"chat\", \"chat\"]", "capability \"chat\" is listed twice")]
    [InlineData("[\"tools\"]", "need \"chat\"")]
    public void Parse_InvalidCapabilities_FailsNamingTheModel(string capabilities, string expected)
    {
        var error = ParseFails(
            """{ "providers": [ { "id": "p", "wire": "openai-chat", "baseUrl": "http://127.0.0.1:1/v1" } ], "models": [ """
            + """{ "id": "m", "provider": "p", "capabilities": """ + capabilities + " } ] }");

        Assert.Contains("models[0] (\"m\")", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Parse_DefaultCatalogWithoutSimulatorUrl_DisablesSimulatorProviders()
    {
        var catalog = ParseDefault([]);

        Assert.Empty(catalog.Entries);
        Assert.Contains(catalog.Disabled, d => d is { Kind: "provider", Id: "simulator", Reason: "SIMULATOR_BASE_URL is not set" });
    }

    [Fact]
    public void Parse_ProviderKeyVariableSet_ServesItsModelsWithTheKey()
    {
        var catalog = ParseDefault(new(Simulator) { ["OPENAI_API_KEY"] = "sk-test-openai", ["ANTHROPIC_API_KEY"] = "sk-ant-test" });

        var route = catalog.Resolve("gpt-4.1-mini")!;
        Assert.Equal("https://api.openai.com/v1", route.Provider.BaseUrl);
        Assert.Equal("sk-test-openai", route.Provider.ApiKey);
        Assert.Equal("gpt-4.1-mini", route.UpstreamModel);
        var claude = catalog.Resolve("claude-sonnet-4-5")!;
        Assert.Equal("https://api.anthropic.com/v1", claude.Provider.BaseUrl);
        Assert.Equal("sk-ant-test", claude.Provider.ApiKey);
        Assert.Equal(WireKind.AnthropicMessages, claude.Provider.Wire);
    }

    [Fact]
    public void Parse_OptionalKeyUnset_ServesProviderWithoutKey()
    {
        var catalog = ParseDefault(new(Simulator)
        {
            ["OPENAI_COMPATIBLE_BASE_URL"] = "http://127.0.0.1:11434/v1/",
            ["OPENAI_COMPATIBLE_MODEL"] = "llama3.2",
        });

        var route = catalog.Resolve("compatible-model")!;
        Assert.Equal("http://127.0.0.1:11434/v1", route.Provider.BaseUrl);
        Assert.Equal("", route.Provider.ApiKey);
        Assert.Equal("llama3.2", route.UpstreamModel);
    }

    [Fact]
    public void Parse_UpstreamModelVariableUnset_DisablesOnlyThatModel()
    {
        var catalog = ParseDefault(new(Simulator) { ["OPENAI_COMPATIBLE_BASE_URL"] = "http://127.0.0.1:11434/v1" });

        Assert.Null(catalog.Resolve("compatible-model"));
        Assert.Contains(catalog.Disabled, d => d is { Kind: "model", Id: "compatible-model", Reason: "OPENAI_COMPATIBLE_MODEL is not set" });
        Assert.DoesNotContain(catalog.Disabled, d => d.Id == "openai-compatible");
    }

    [Fact]
    public void Resolve_Alias_ReturnsTheTargetModelsRoute()
    {
        var catalog = ParseDefault(Simulator);

        var route = catalog.Resolve("gpt-4o-mini")!;

        Assert.Equal("sim-gpt", route.Model);
        Assert.Equal("sim-gpt", route.UpstreamModel);
        Assert.Same(catalog.Resolve("sim-gpt"), route);
    }

    [Theory]
    [InlineData("GPT-4o-mini")]
    [InlineData("Sim-GPT")]
    [InlineData("sim-gpt ")]
    [InlineData("")]
    public void Resolve_NameDiffersInCaseOrSpacing_ReturnsNull(string name) =>
        Assert.Null(ParseDefault(Simulator).Resolve(name));

    [Fact]
    public void Parse_DefaultCatalogPrices_ConvertToExactMicros()
    {
        var catalog = ParseDefault(Simulator);

        var gpt = catalog.Resolve("sim-gpt")!.Pricing;
        Assert.Equal(150_000, gpt.InputPerMtokMicros);
        Assert.Equal(600_000, gpt.OutputPerMtokMicros);
        Assert.Equal(75_000, gpt.CachedInputPerMtokMicros);
        Assert.Equal(0, gpt.CacheWritePerMtokMicros);
        var claude = catalog.Resolve("sim-claude")!.Pricing;
        Assert.Equal(3_000_000, claude.InputPerMtokMicros);
        Assert.Equal(15_000_000, claude.OutputPerMtokMicros);
        Assert.Equal(300_000, claude.CachedInputPerMtokMicros);
        Assert.Equal(3_750_000, claude.CacheWritePerMtokMicros);
    }

    [Theory]
    [InlineData("0.000001", 1)]
    [InlineData("0.1", 100_000)]
    [InlineData("1e-6", 1)]
    [InlineData("123456.654321", 123_456_654_321)]
    [InlineData("0.30000000000000000000", 300_000)]
    public void Parse_PriceWithAtMostSixDecimals_ConvertsExactly(string price, long micros)
    {
        var catalog = Parse(Catalog(pricing: $$"""{ "inputPerMTok": {{price}} }"""));

        Assert.Equal(micros, catalog.Resolve("m")!.Pricing.InputPerMtokMicros);
    }

    [Theory]
    [InlineData("0.0000001", "has more than 6 decimal places")]
    [InlineData("-1", "must not be negative")]
    [InlineData("2000000", "must not exceed")]
    public void Parse_PriceNotConvertible_ErrorNamesModelAndField(string price, string reason)
    {
        var error = ParseFails(Catalog(pricing: $$"""{ "outputPerMTok": {{price}} }"""));

        Assert.Contains("models[0] (\"m\"): \"pricing.outputPerMTok\" " + reason, error.Message);
    }

    [Fact]
    public void Parse_ModelNamesUndefinedProvider_ErrorNamesModel()
    {
        var error = ParseFails("""
            { "providers": [ { "id": "p", "wire": "openai-chat", "baseUrl": "http://127.0.0.1:1/v1" } ],
              "models": [ { "id": "ok", "provider": "p" }, { "id": "lost", "provider": "nope" } ] }
            """);

        Assert.Contains("models[1] (\"lost\"): provider \"nope\" is not defined.", error.Message);
        Assert.DoesNotContain("models[0]", error.Message);
    }

    [Fact]
    public void Parse_AliasUsedTwice_ErrorNamesBothEntries()
    {
        var error = ParseFails("""
            { "providers": [ { "id": "p", "wire": "openai-chat", "baseUrl": "http://127.0.0.1:1/v1" } ],
              "models": [ { "id": "a", "provider": "p", "aliases": ["x"] }, { "id": "b", "provider": "p", "aliases": ["x"] } ] }
            """);

        Assert.Contains("models[1] (\"b\"): alias \"x\" is already used by models[0] (\"a\").", error.Message);
    }

    [Fact]
    public void Parse_AliasEqualsAnotherModelsId_Fails()
    {
        var error = ParseFails("""
            { "providers": [ { "id": "p", "wire": "openai-chat", "baseUrl": "http://127.0.0.1:1/v1" } ],
              "models": [ { "id": "a", "provider": "p" }, { "id": "b", "provider": "p", "aliases": ["a"] } ] }
            """);

        Assert.Contains("models[1] (\"b\"): alias \"a\" is already used by models[0] (\"a\").", error.Message);
    }

    [Fact]
    public void Parse_SeveralBadEntries_ReportsEveryOne()
    {
        var error = ParseFails("""
            { "providers": [ { "id": "p", "wire": "grpc", "baseUrl": "ftp://x" }, { "id": "p", "wire": "openai-chat", "baseUrl": "http://a" } ],
              "models": [ { "id": "has space", "provider": "p" } ] }
            """);

        Assert.Contains("providers[0] (\"p\"): \"wire\" must be", error.Message);
        Assert.Contains("providers[0] (\"p\"): \"baseUrl\" (ftp://x) must be an absolute http:// or https:// URL", error.Message);
        Assert.Contains("providers[1] (\"p\"): the id is already used by an earlier provider.", error.Message);
        Assert.Contains("models[0] (\"has space\"): \"id\" must be", error.Message);
    }

    [Fact]
    public void Parse_UnknownField_Fails()
    {
        var error = ParseFails("""{ "providers": [ { "id": "p", "wire": "openai-chat", "baseUrl": "http://a", "apiKey": "sk-x" } ], "models": [] }""");

        Assert.Contains("apiKey", error.Message);
        Assert.Contains("$.providers[0]", error.Message);
    }

    [Theory]
    [InlineData("{ \"models\": [] }", "\"providers\" is missing.")]
    [InlineData("{ \"providers\": [] }", "\"models\" is missing.")]
    [InlineData("{ \"providers\": [ ", "The catalog is not valid")]
    [InlineData("null", "the document is null")]
    public void Parse_BrokenDocument_Fails(string json, string message) =>
        Assert.Contains(message, ParseFails(json).Message);

    [Fact]
    public void Parse_UnterminatedPlaceholder_ErrorNamesProvider()
    {
        var error = ParseFails("""{ "providers": [ { "id": "p", "wire": "openai-chat", "baseUrl": "${HOST/v1" } ], "models": [] }""");

        Assert.Contains("providers[0] (\"p\"): \"baseUrl\" has an unterminated placeholder", error.Message);
    }

    [Fact]
    public void Parse_SeveralPlaceholders_ExpandsEachAndKeepsOtherDollars()
    {
        var catalog = Parse(
            """
            { "providers": [ { "id": "p", "wire": "openai-responses", "baseUrl": "http://${HOST}:${PORT}/v1$x" } ],
              "models": [ { "id": "m", "provider": "p" } ] }
            """,
            new() { ["HOST"] = "127.0.0.1", ["PORT"] = "8080" });

        var route = catalog.Resolve("m")!;
        Assert.Equal("http://127.0.0.1:8080/v1$x", route.Provider.BaseUrl);
        Assert.Equal(WireKind.OpenaiResponses, route.Provider.Wire);
        Assert.Equal("m", route.UpstreamModel);
        Assert.Equal("p", catalog.Entries[0].Info.OwnedBy);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5300", "http://127.0.0.1:5300/v1")]
    [InlineData("http://127.0.0.1:5300/", "http://127.0.0.1:5300/v1")]
    [InlineData("https://sim.example:8443/base/", "https://sim.example:8443/base/v1")]
    public void Parse_PlaceholderWithOrWithoutTrailingSlash_SameBaseUrl(string simulator, string expected)
    {
        var catalog = ParseDefault(new() { ["SIMULATOR_BASE_URL"] = simulator, ["SIMULATOR_API_KEY"] = "sim-key" });

        Assert.Equal(expected, catalog.Resolve("sim-gpt")!.Provider.BaseUrl);
    }

    [Fact]
    public void Parse_SameContentTwice_SameVersion_DifferentContent_DifferentVersion()
    {
        var a = ParseDefault(Simulator);
        var b = ParseDefault(Simulator);
        var c = ParseDefault(new(Simulator) { ["OPENAI_API_KEY"] = "sk-x" });

        Assert.Equal(a.Version, b.Version);
        Assert.NotEqual(a.Version, c.Version);
        Assert.Equal(a.Version, a.Snapshot.Version);
        Assert.True(a.Version > 0);
    }

    private static string Catalog(string pricing) => $$"""
        { "providers": [ { "id": "p", "wire": "openai-chat", "baseUrl": "http://127.0.0.1:1/v1" } ],
          "models": [ { "id": "m", "provider": "p", "pricing": {{pricing}} } ] }
        """;
}
