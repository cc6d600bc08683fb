using System.Diagnostics;

namespace Gateway.Testing.Node;

/// <summary>
/// Runs <c>npm ci</c> for a package folder when its node_modules is missing, so <c>dotnet test</c> works on a
/// fresh clone. Serialised across test classes and test processes with a lock file.
/// </summary>
public static class NpmInstaller
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Installs the folder's locked dependencies unless <paramref name="probe"/> (a path under
    /// node_modules) already exists.</summary>
    public static async Task EnsureInstalledAsync(string packageDirectory, string probe, TimeSpan timeout)
    {
        var probePath = Path.Combine(packageDirectory, "node_modules", probe);
        if (Exists(probePath))
        {
            return;
        }

        using var cts = new CancellationTokenSource(timeout);
        await Gate.WaitAsync(cts.Token).ConfigureAwait(false);
        try
        {
            await using var fileLock = await AcquireFileLockAsync(Path.Combine(packageDirectory, ".npm-install.lock"), cts.Token)
                .ConfigureAwait(false);
            if (Exists(probePath))
            {
                return;
            }

            await RunNpmCiAsync(packageDirectory, cts.Token).ConfigureAwait(false);
            if (!Exists(probePath))
            {
                throw new InvalidOperationException($"npm ci in {packageDirectory} finished but {probePath} is missing.");
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    private static async Task RunNpmCiAsync(string packageDirectory, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo("npm")
        {
            WorkingDirectory = packageDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "ci", "--no-audit", "--no-fund", "--prefix", packageDirectory })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start npm.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"npm ci in {packageDirectory} did not finish in time.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"npm ci in {packageDirectory} failed with exit code {process.ExitCode}: {await stdout.ConfigureAwait(false)} {await stderr.ConfigureAwait(false)}");
        }
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                // Another test process holds it (installing right now).
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
