using System.Text.Json;
using Gateway.Testing.Node;

namespace Gateway.Grpc.Tests.Infrastructure;

/// <summary>The @grpc/grpc-js scripts under tests/interop.</summary>
public static class NodeInterop
{
    public static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    public static string Directory => RepositoryPaths.Combine("tests", "interop");

    public static Task EnsureInstalledAsync() =>
        NpmInstaller.EnsureInstalledAsync(Directory, Path.Combine("@grpc", "grpc-js", "package.json"), InstallTimeout);

    /// <summary>Starts client.js with a scenario; read its events as it goes (streams) or after it exits.</summary>
    public static async Task<NodeProcess> StartClientAsync(string hostPort, object scenario)
    {
        await EnsureInstalledAsync();
        return NodeProcess.Start("client.js", [hostPort, JsonSerializer.Serialize(scenario)], Directory);
    }

    /// <summary>Runs client.js to the end and returns its result.</summary>
    public static async Task<NodeCallResult> RunClientAsync(string hostPort, object scenario)
    {
        await using var client = await StartClientAsync(hostPort, scenario);
        var exitCode = await client.WaitForExitAsync(StepTimeout);
        Assert.True(exitCode == 0, $"client.js exited with {exitCode}. {client.Describe()}");
        return NodeCallResult.Parse(client.Lines, client.Describe());
    }
}

/// <summary>What client.js printed: headers, messages, status and trailers of one call.</summary>
public sealed class NodeCallResult
{
    public Dictionary<string, string[]> Headers { get; private set; } = [];

    public List<JsonElement> Messages { get; } = [];

    public int Code { get; private set; } = -1;

    public string Details { get; private set; } = "";

    public Dictionary<string, string[]> Trailers { get; private set; } = [];

    public string Transcript { get; private set; } = "";

    public static NodeCallResult Parse(IEnumerable<string> lines, string transcript)
    {
        var result = new NodeCallResult { Transcript = transcript };
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            switch (root.GetProperty("event").GetString())
            {
                case "metadata":
                    result.Headers = ReadMetadata(root.GetProperty("metadata"));
                    break;
                case "message":
                    result.Messages.Add(root.GetProperty("message").Clone());
                    break;
                case "status":
                    result.Code = root.GetProperty("code").GetInt32();
                    result.Details = root.GetProperty("details").GetString() ?? "";
                    result.Trailers = ReadMetadata(root.GetProperty("metadata"));
                    break;
            }
        }

        Assert.True(result.Code >= 0, $"client.js reported no status. {transcript}");
        return result;
    }

    public static Dictionary<string, string[]> ReadMetadata(JsonElement element)
    {
        var metadata = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            metadata[property.Name] = property.Value.EnumerateArray().Select(v => v.GetString() ?? "").ToArray();
        }

        return metadata;
    }
}
