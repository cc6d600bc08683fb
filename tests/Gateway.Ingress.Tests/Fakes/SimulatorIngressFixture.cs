using Gateway.Routing.V1;
using Gateway.Simulator;
using Microsoft.AspNetCore.Builder;

namespace Gateway.Ingress.Tests.Fakes;

/// <summary>
/// The Ingress app (as <see cref="IngressFixture"/>) plus the real upstream simulator hosted in-process on its own
/// 127.0.0.1 port, with routes to it on every wire: <see cref="ChatModel"/> (openai-chat), <see cref="AnthropicModel"/>
/// (anthropic-messages), <see cref="ResponsesModel"/> (openai-responses), and models with few capabilities.
/// </summary>
public sealed class SimulatorIngressFixture : IngressFixture
{
    public const string ChatModel = "sim-chat";
    public const string AnthropicModel = "sim-anthropic";
    public const string ResponsesModel = "sim-responses";
    public const string BasicModel = "sim-basic";                 // chat only: no tools, no vision
    public const string EmbeddingsOnlyModel = "sim-embed-only";   // embeddings only
    public const string AnthropicEmbeddingsModel = "sim-anthropic-embed";   // anthropic wire, embeddings listed: no translation
    public const string ChatUpstreamModel = "sim-chat-upstream";
    public const string AnthropicUpstreamModel = "sim-anthropic-upstream";
    public const string ResponsesUpstreamModel = "sim-responses-upstream";

    private static readonly TimeSpan StartStopTimeout = TimeSpan.FromSeconds(30);
    private WebApplication? _simulator;

    public string SimulatorBaseUrl { get; private set; } = null!;

    /// <summary>Recorded Claude Code bodies are 50-120 KB: allow them.</summary>
    protected override void Configure(Dictionary<string, string?> settings) =>
        settings["Ingress:MaxRequestBodyBytes"] = (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override async Task InitializeAsync()
    {
        _simulator = SimulatorApp.Create(
        [
            "--Kestrel:Endpoints:Http:Url=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
        ]);
        using (var timeout = new CancellationTokenSource(StartStopTimeout))
        {
            await _simulator.StartAsync(timeout.Token);
        }

        SimulatorBaseUrl = _simulator.Urls.Single().TrimEnd('/') + "/v1";
        await base.InitializeAsync();

        var all = new Capabilities { Chat = true, Tools = true, Vision = true, Json = true, Embeddings = true, Images = true };
        Dependencies.AddRoute(ChatModel, Route(ChatModel, ChatUpstreamModel, "sim-openai", WireKind.OpenaiChat, all));
        Dependencies.AddRoute(AnthropicModel, Route(AnthropicModel, AnthropicUpstreamModel, "sim-anthropic", WireKind.AnthropicMessages, null));
        Dependencies.AddRoute(ResponsesModel, Route(ResponsesModel, ResponsesUpstreamModel, "sim-responses", WireKind.OpenaiResponses, all));
        Dependencies.AddRoute(BasicModel, Route(BasicModel, BasicModel, "sim-openai", WireKind.OpenaiChat, new Capabilities { Chat = true }));
        Dependencies.AddRoute(AnthropicEmbeddingsModel, Route(AnthropicEmbeddingsModel, AnthropicEmbeddingsModel, "sim-anthropic",
            WireKind.AnthropicMessages, new Capabilities { Chat = true, Embeddings = true }));
        Dependencies.AddRoute(EmbeddingsOnlyModel,
            Route(EmbeddingsOnlyModel, EmbeddingsOnlyModel, "sim-openai", WireKind.OpenaiChat, new Capabilities { Embeddings = true }));
    }

    private Route Route(string model, string upstreamModel, string providerId, WireKind wire, Capabilities? capabilities)
    {
        var route = new Route
        {
            Model = model,
            UpstreamModel = upstreamModel,
            Provider = new Provider { Id = providerId, Wire = wire, BaseUrl = SimulatorBaseUrl, ApiKey = FakeOpenAiUpstream.ProviderKey },
            Pricing = Dependencies.Pricing,
        };
        if (capabilities is not null)
        {
            route.Capabilities = capabilities;
        }

        return route;
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            if (_simulator is not null)
            {
                using var timeout = new CancellationTokenSource(StartStopTimeout);
                try
                {
                    await _simulator.StopAsync(timeout.Token);
                }
                finally
                {
                    await _simulator.DisposeAsync();
                }
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SimulatorIngressCollection : ICollectionFixture<SimulatorIngressFixture>
{
    public const string Name = "ingress app with the simulator";
}
