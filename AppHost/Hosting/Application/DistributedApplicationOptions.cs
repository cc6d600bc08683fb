using System.Reflection;

namespace Gateway.AppHost.Hosting;

/// <summary>When project resources are built before they start.</summary>
public enum ProjectBuildMode
{
    /// <summary>Build every project resource once up front (one <c>dotnet build</c>). The AppHost default.</summary>
    Always,

    /// <summary>Build only when a project's output assembly is missing. The test fixtures' default.</summary>
    IfMissing,

    /// <summary>Never build; a missing output is an error that names the project (<c>--no-build</c>).</summary>
    Never,
}

/// <summary>Everything about how the application runs that is not part of the resource declarations.</summary>
public sealed class DistributedApplicationOptions
{
    public const string Usage = """
        Usage: dotnet run --project AppHost [-c Release] -- [options]
          --only a,b        start only these resources (plus what they wait for or reference), e.g. --only redis,rabbitmq
          --no-build        run the services' existing build output instead of building them first
          -c, --configuration <cfg>
                            configuration whose output is run (default Release)
          --state-dir <dir> where logs and per-run state go (default <repo>/.stack)
          --repo-root <dir> repository root project paths are relative to (default: found from the program's location)
          -h, --help        show this help
        """;

    /// <summary>Project paths are relative to this. Null: the nearest directory above the program (or the current directory) holding a *.sln.</summary>
    public string? RepositoryRoot { get; set; }

    /// <summary>Build configuration of the project outputs that are run.</summary>
    public string Configuration { get; set; } = "Release";

    public string TargetFramework { get; set; } = "net10.0";

    public ProjectBuildMode BuildMode { get; set; } = ProjectBuildMode.Always;

    /// <summary>
    /// Logs go to <c>&lt;dir&gt;/logs/&lt;resource&gt;.log</c> (kept) and per-run state to <c>&lt;dir&gt;/run</c> (deleted at
    /// the end). Null: a fresh temporary directory, deleted entirely at the end.
    /// </summary>
    public string? StateDirectory { get; set; }

    /// <summary>The state directory a started application uses (<see cref="StateDirectory"/>, or the temporary one
    /// it made); null before the start. Resources may keep data under it that must outlive one run (with an explicit
    /// <see cref="StateDirectory"/>, e.g. the default <c>.stack</c>, it is kept between runs).</summary>
    public string? ResolvedStateDirectory { get; internal set; }

    /// <summary>Receives the children's prefixed output and the application's own messages. Null: silent (logs only).</summary>
    public Action<string>? Output { get; set; } = Console.WriteLine;

    /// <summary>When not empty, only these resources (and their dependencies) start.</summary>
    public ISet<string> Only { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long one resource may take to become healthy once started.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Grace between SIGTERM and SIGKILL for project and executable resources.</summary>
    public TimeSpan StopGrace { get; set; } = ManagedProcess.DefaultStopGrace;

    public ServerBinaries Binaries { get; set; } = ServerBinaries.Default;

    /// <summary>Set by <see cref="Parse"/> for <c>--help</c>.</summary>
    public bool ShowHelp { get; set; }

    /// <summary>Set by <see cref="Parse"/> when the arguments are invalid; RunAsync prints it with the usage and exits 2.</summary>
    public string? ArgumentError { get; set; }

    /// <summary>Reads the AppHost command line. Never throws: errors land in <see cref="ArgumentError"/>.</summary>
    public static DistributedApplicationOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DistributedApplicationOptions();
        string? stateDirectory = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? Value()
            {
                if (i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                {
                    return args[++i];
                }

                options.ArgumentError ??= $"{arg} needs a value.";
                return null;
            }

            switch (arg)
            {
                case "--only":
                    foreach (var name in (Value() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        options.Only.Add(name);
                    }

                    break;
                case "--no-build":
                    options.BuildMode = ProjectBuildMode.Never;
                    break;
                case "-c" or "--configuration":
                    options.Configuration = Value() ?? options.Configuration;
                    break;
                case "--state-dir":
                    stateDirectory = Value();
                    break;
                case "--repo-root":
                    options.RepositoryRoot = Value() is { } root ? Path.GetFullPath(root) : null;
                    break;
                case "-h" or "--help" or "-?":
                    options.ShowHelp = true;
                    break;
                default:
                    options.ArgumentError ??= $"Unknown argument '{arg}'.";
                    break;
            }
        }

        options.StateDirectory = stateDirectory is not null
            ? Path.GetFullPath(stateDirectory)
            : Path.Combine(options.ResolveRepositoryRoot() ?? Environment.CurrentDirectory, ".stack");
        return options;
    }

    /// <summary>The repository root: <see cref="RepositoryRoot"/>, else the nearest directory with a *.sln above the program or the current directory.</summary>
    public string? ResolveRepositoryRoot() =>
        RepositoryRoot ?? FindSolutionDirectory(AppContext.BaseDirectory) ?? FindSolutionDirectory(Environment.CurrentDirectory);

    /// <summary>The configuration an assembly was built with (AssemblyConfigurationAttribute), e.g. to run services built alongside tests.</summary>
    public static string? GetBuildConfiguration(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;

    private static string? FindSolutionDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (dir.EnumerateFiles("*.sln").Any() || dir.EnumerateFiles("*.slnx").Any())
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
