using Gateway.AppHost.Hosting;

namespace Gateway.AppHost.Tests.Infrastructure;

/// <summary>Small /bin/sh scripts as child processes.</summary>
internal static class Sh
{
    public static ManagedProcess Start(string script, string name = "sh", Action<string>? output = null, string? logFile = null,
        IReadOnlyDictionary<string, string?>? environment = null) =>
        ManagedProcess.Start(new ManagedProcessStartInfo
        {
            FileName = "/bin/sh",
            Arguments = ["-c", script],
            Name = name,
            Output = output,
            LogFilePath = logFile,
            Environment = environment ?? new Dictionary<string, string?>(),
        });

    /// <summary>The PID printed by the script as <c>key=PID</c>.</summary>
    public static async Task<int> ReadPidAsync(ManagedProcess process, string key)
    {
        var line = await process.WaitForOutputAsync(l => l.StartsWith(key + "=", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        return int.Parse(line[(key.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
