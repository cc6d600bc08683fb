using System.Text;
using System.Text.Json;

namespace Gateway.AppHost.Hosting;

/// <summary>Where a project resource's files are.</summary>
internal sealed record ProjectLayout(string ProjectFile, string ProjectDirectory, string AssemblyName, string OutputAssembly)
{
    public static ProjectLayout Resolve(ProjectResource project, string repositoryRoot, string configuration, string targetFramework)
    {
        var full = Path.GetFullPath(project.ProjectPath, repositoryRoot);
        string? projectFile = null;
        if (full.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            projectFile = File.Exists(full) ? full : null;
        }
        else if (Directory.Exists(full))
        {
            var named = Path.Combine(full, Path.GetFileName(full.TrimEnd('/')) + ".csproj");
            var all = Directory.GetFiles(full, "*.csproj");
            projectFile = File.Exists(named) ? named : all.Length == 1 ? all[0] : null;
        }

        if (projectFile is null)
        {
            throw new DistributedApplicationException(
                $"Resource '{project.Name}' needs the project '{project.ProjectPath}', which does not exist "
                + $"(looked in {full}). That service has not been added to the repository yet, or the path is wrong.",
                project.Name);
        }

        var directory = Path.GetDirectoryName(projectFile)!;
        var assemblyName = Path.GetFileNameWithoutExtension(projectFile);
        var output = Path.Combine(directory, "bin", configuration, targetFramework, assemblyName + ".dll");
        return new ProjectLayout(projectFile, directory, assemblyName, output);
    }
}

/// <summary>Builds project resources with one <c>dotnet build</c> (a solution filter over the repository's solution).</summary>
internal static class ProjectBuilder
{
    // Variables a parent `dotnet run`/`dotnet test` sets that would point a child build at the parent's MSBuild state.
    private static readonly string[] s_inheritedMsBuildVariables =
    [
        "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly",
        "MSBUILDNOINPROCNODE", "_MSBUILDTLENABLED",
    ];

    public static async Task BuildAsync(
        IReadOnlyList<ProjectLayout> projects,
        DistributedApplicationOptions options,
        string repositoryRoot,
        string runDirectory,
        string logDirectory,
        string dotnetPath,
        CancellationToken cancellationToken)
    {
        if (projects.Count == 0)
        {
            return;
        }

        var target = projects.Count == 1
            ? projects[0].ProjectFile
            : WriteSolutionFilter(projects, repositoryRoot, runDirectory);
        var say = options.Output;
        if (target is null)
        {
            // Not all listed in a solution: one build per project (shared dependencies are up to date after the first).
            foreach (var project in projects)
            {
                await RunBuildAsync(project.ProjectFile, options, dotnetPath, logDirectory, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        say?.Invoke($"[apphost] building {string.Join(", ", projects.Select(p => p.AssemblyName))} ({options.Configuration}) ...");
        await RunBuildAsync(target, options, dotnetPath, logDirectory, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RunBuildAsync(string target, DistributedApplicationOptions options, string dotnetPath, string logDirectory, CancellationToken cancellationToken)
    {
        var environment = s_inheritedMsBuildVariables.ToDictionary(v => v, string? (_) => null);
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        await using var build = ManagedProcess.Start(new ManagedProcessStartInfo
        {
            FileName = dotnetPath,
            // -nodeReuse:false: no MSBuild worker nodes outlive the build (they would be processes left behind).
            Arguments = ["build", target, "-c", options.Configuration, "--nologo", "-v", "minimal", "-nodeReuse:false", "-clp:NoSummary"],
            WorkingDirectory = Path.GetDirectoryName(target),
            Environment = environment,
            Name = "build",
            Output = options.Output,
            LogFilePath = Path.Combine(logDirectory, "build.log"),
            RetainedLines = 2000,
        });

        int code;
        try
        {
            code = await build.WaitForExitAsync(TimeSpan.FromMinutes(15), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new DistributedApplicationException($"dotnet build of {target} did not finish: {ex.Message}", innerException: ex);
        }

        if (code != 0)
        {
            var lines = build.GetLastLines(2000);
            var errors = lines.Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct().Take(30).ToList();
            var shown = errors.Count > 0 ? errors : lines.TakeLast(30).ToList();
            var hint = errors.Any(e => e.Contains("error CS5001", StringComparison.Ordinal))
                ? $"{Environment.NewLine}(CS5001: those projects have no Program yet, i.e. the service has not been written.)"
                : "";
            throw new DistributedApplicationException(
                $"dotnet build {Path.GetFileName(target)} failed (exit {code}):{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", shown) + hint);
        }
    }

    /// <summary>A .slnf listing the projects, when the repository has one solution that contains them all; else null.</summary>
    private static string? WriteSolutionFilter(IReadOnlyList<ProjectLayout> projects, string repositoryRoot, string runDirectory)
    {
        var solutions = Directory.GetFiles(repositoryRoot, "*.sln");
        if (solutions.Length != 1)
        {
            return null;
        }

        var solution = solutions[0];
        var listed = File.ReadAllLines(solution)
            .Where(l => l.StartsWith("Project(", StringComparison.Ordinal))
            .Select(l => l.Split('"'))
            .Where(parts => parts.Length > 5 && parts[5].EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            .Select(parts => parts[5])
            .ToList();
        var entries = new List<string>();
        foreach (var project in projects)
        {
            var relative = Path.GetRelativePath(repositoryRoot, project.ProjectFile).Replace('/', '\\');
            var entry = listed.FirstOrDefault(l => string.Equals(l.Replace('/', '\\'), relative, StringComparison.OrdinalIgnoreCase));
            if (entry is null)
            {
                return null;
            }

            entries.Add(entry);
        }

        Directory.CreateDirectory(runDirectory);
        var filter = Path.Combine(runDirectory, "stack.slnf");
        using (var stream = File.Create(filter))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("solution");
            writer.WriteString("path", solution);
            writer.WriteStartArray("projects");
            foreach (var entry in entries)
            {
                writer.WriteStringValue(entry);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return filter;
    }

    /// <summary>The dotnet host to run builds and project outputs with.</summary>
    public static string FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return ManagedProcess.FindOnPath("dotnet") ?? "dotnet";
    }

    internal static string Describe(IEnumerable<string> lines)
    {
        var builder = new StringBuilder();
        foreach (var line in lines)
        {
            builder.Append(Environment.NewLine).Append("  ").Append(line);
        }

        return builder.ToString();
    }
}
