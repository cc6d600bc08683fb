namespace Gateway.Simulator;

/// <summary>Builds the simulator; used by Program and by tests that host it in-process on a real port.</summary>
public static class SimulatorApp
{
    /// <summary>Where the simulator listens when <c>Kestrel__Endpoints__Http__Url</c> is not set.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5300";

    /// <summary>
    /// Creates the simulator application from command-line style arguments (any configuration key, e.g.
    /// <c>--Kestrel:Endpoints:Http:Url=http://127.0.0.1:0</c>, <c>--Simulator:OutputTokens=8</c>). Start it with
    /// <c>StartAsync</c>/<c>RunAsync</c>; the bound address is in <c>Urls</c> once started.
    /// </summary>
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddSimulator();
        var app = builder.Build();
        app.MapSimulator();
        return app;
    }
}
