using System.Text.Json;
using Gateway.Grpc.Tests.Infrastructure;
using Gateway.Testing.Node;

namespace Gateway.Grpc.Tests;

/// <summary>A real @grpc/grpc-js server (tests/interop/server.js) on a free 127.0.0.1 port.</summary>
public sealed class NodeServerFixture : IAsyncLifetime
{
    public NodeProcess Process { get; private set; } = null!;

    public string Address { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ActivityRecorder.EnsureStarted();
        await NodeInterop.EnsureInstalledAsync();
        Process = NodeProcess.Start("server.js", [], NodeInterop.Directory);
        try
        {
            var line = await Process.ReadLineAsync(NodeInterop.StepTimeout);
            using var document = JsonDocument.Parse(line);
            var port = document.RootElement.GetProperty("port").GetInt32();
            Address = $"http://127.0.0.1:{port}";
        }
        catch
        {
            await Process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits (bounded) for server.js to report that it saw the call with this tag cancelled.</summary>
    public Task<string> WaitForCancelledAsync(string tag) => WaitForEventAsync("cancelled", tag);

    /// <summary>Waits (bounded) for server.js to report that a sleeping Echo call with this tag started.</summary>
    public Task<string> WaitForStartedAsync(string tag) => WaitForEventAsync("started", tag);

    private Task<string> WaitForEventAsync(string name, string tag) =>
        Process.WaitForLineAsync(
            line =>
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                return root.GetProperty("event").GetString() == name
                    && root.TryGetProperty("tag", out var t) && t.GetString() == tag;
            },
            NodeInterop.StepTimeout);

    public async Task DisposeAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }
    }
}
