using Gateway.AppHost.Hosting;

namespace Gateway.Testing;

/// <summary>Where the repository and the services' build output are, for fixtures that run the real services.</summary>
public static class GatewayTestEnvironment
{
    /// <summary>
    /// The repository root: <c>GATEWAY_REPO_ROOT</c> when set, else the nearest directory above the test assembly
    /// that holds a *.sln.
    /// </summary>
    public static string RepositoryRoot { get; } =
        Environment.GetEnvironmentVariable("GATEWAY_REPO_ROOT") is { Length: > 0 } root
            ? Path.GetFullPath(root)
            : new DistributedApplicationOptions().ResolveRepositoryRoot()
              ?? throw new InvalidOperationException(
                  $"No *.sln above {AppContext.BaseDirectory}; set GATEWAY_REPO_ROOT to the repository root.");

    /// <summary>
    /// The configuration whose service outputs the fixtures run: <c>GATEWAY_SERVICES_CONFIGURATION</c> when set, else
    /// the configuration this library was built with (the tests' own: <c>dotnet test -c Release</c> runs Release outputs).
    /// </summary>
    public static string Configuration { get; } =
        Environment.GetEnvironmentVariable("GATEWAY_SERVICES_CONFIGURATION") is { Length: > 0 } configuration
            ? configuration
            : DistributedApplicationOptions.GetBuildConfiguration(typeof(GatewayTestEnvironment).Assembly) ?? "Release";

    /// <summary>Where the AppHost's built entry assembly is (same configuration as the tests).</summary>
    public static string AppHostAssembly =>
        Path.Combine(RepositoryRoot, "AppHost", "bin", Configuration, "net10.0", "AppHost.dll");

    /// <summary>
    /// Options for a test's <see cref="DistributedApplication"/>: the repository and configuration above, projects built
    /// only when their output is missing, a temporary state directory (or <c>GATEWAY_TEST_STATE_DIR</c>/&lt;unique&gt;
    /// to keep the logs), and output captured by <paramref name="output"/> (echoed to the console too when
    /// <c>GATEWAY_TEST_VERBOSE=1</c>).
    /// </summary>
    public static DistributedApplicationOptions CreateOptions(Action<string>? output = null)
    {
        var verbose = Environment.GetEnvironmentVariable("GATEWAY_TEST_VERBOSE") == "1";
        var keep = Environment.GetEnvironmentVariable("GATEWAY_TEST_STATE_DIR");
        return new DistributedApplicationOptions
        {
            RepositoryRoot = RepositoryRoot,
            Configuration = Configuration,
            BuildMode = ProjectBuildMode.IfMissing,
            StateDirectory = keep is { Length: > 0 } ? Path.Combine(keep, $"stack-{Guid.NewGuid():N}") : null,
            Output = verbose
                ? line =>
                {
                    output?.Invoke(line);
                    Console.WriteLine(line);
                }
                : output,
        };
    }
}
