using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.AppHost.Hosting;
using Gateway.AppHost.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.AppHost.Tests.Application;

/// <summary>The real AppHost executable, run as a process the way start.sh runs it.</summary>
public sealed partial class AppHostProgramTests : IDisposable
{
    private static readonly TimeSpan s_ready = TimeSpan.FromMinutes(3);
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("apphost-test-").FullName;
    private readonly ConcurrentQueue<string> _output = new();

    [Fact]
    public async Task Run_OnlyInfrastructureThenSigint_StopsEveryChildAndExitsZero()
    {
        await using var apphost = Start("--only", "redis,rabbitmq");
        await apphost.WaitForOutputAsync(l => l.Contains("all resources are healthy", StringComparison.Ordinal), s_ready);
        var pids = ChildPids();
        var erlangHelpers = pids.SelectMany(p => UnixProcess.GetDescendants(p)).Select(d => d.Pid).ToList();
        Assert.True(pids.Count == 3, "expected redis-server, beam.smp and epmd in:\n" + string.Join('\n', _output)); // redis-server, beam.smp, epmd
        Assert.Contains(_output, l => l.Contains("amqp://guest:guest@127.0.0.1:", StringComparison.Ordinal));

        Assert.True(apphost.Signal(UnixSignal.Interrupt));
        var code = await apphost.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, code);
        await ProcessAssert.AllGoneAsync(pids.Concat(erlangHelpers));
        Assert.Contains(_output, l => l.Contains("no process left", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_stateDirectory, "run")));
        Assert.True(File.Exists(Path.Combine(_stateDirectory, "logs", "redis.log")));
    }

    [Fact]
    public async Task Run_OnlyRedisThenSigterm_StopsEveryChildAndExitsZero()
    {
        await using var apphost = Start("--only", "redis");
        await apphost.WaitForOutputAsync(l => l.Contains("all resources are healthy", StringComparison.Ordinal), s_ready);
        var pids = ChildPids();

        Assert.True(apphost.Signal(UnixSignal.Terminate));
        var code = await apphost.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, code);
        await ProcessAssert.AllGoneAsync(pids);
    }

    [Fact]
    public async Task Run_AppHostKilled_KernelKillsItsChildren()
    {
        await using var apphost = Start("--only", "redis");
        await apphost.WaitForOutputAsync(l => l.Contains("all resources are healthy", StringComparison.Ordinal), s_ready);
        var pids = ChildPids();

        Assert.True(apphost.Signal(UnixSignal.Kill)); // no cleanup code runs: only the parent-death signal can help
        await apphost.WaitForExitAsync(TimeSpan.FromSeconds(30));

        await ProcessAssert.AllGoneAsync(pids, within: TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Run_ServicesMissingFromRepository_ExitsOneNamingTheProjectAndStartsNothing()
    {
        var repository = Directory.CreateTempSubdirectory("empty-repo-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(repository, "Empty.sln"), "");
            await using var apphost = Start("--repo-root", repository);

            var code = await apphost.WaitForExitAsync(TimeSpan.FromMinutes(1));

            Assert.Equal(1, code);
            Assert.Contains(_output, l => l.Contains("services/Gateway.", StringComparison.Ordinal) && l.Contains("does not exist", StringComparison.Ordinal));
            Assert.DoesNotContain(_output, l => l.Contains("is healthy", StringComparison.Ordinal));
            Assert.DoesNotContain(_output, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(repository, recursive: true);
        }
    }

    [Fact]
    public async Task Run_RedisServerNotOnPath_PrintsInstallCommandAndExitsThree()
    {
        await using var apphost = Start(["--only", "redis"], new Dictionary<string, string?> { ["PATH"] = "/nonexistent" });

        var code = await apphost.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(3, code);
        Assert.Contains(_output, l => l.Contains(ServerBinaries.InstallCommand, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--help", 0, "Usage:")]
    [InlineData("--frobnicate", 2, "Unknown argument '--frobnicate'.")]
    public async Task Run_HelpOrBadArgument_PrintsUsageWithExitCode(string argument, int expectedCode, string expectedText)
    {
        await using var apphost = Start(argument);

        var code = await apphost.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(expectedCode, code);
        Assert.Contains(_output, l => l.Contains(expectedText, StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_stateDirectory, recursive: true);

    private ManagedProcess Start(params string[] args) => Start(args, null);

    private ManagedProcess Start(string[] args, IReadOnlyDictionary<string, string?>? environment)
    {
        Assert.True(File.Exists(GatewayTestEnvironment.AppHostAssembly), $"{GatewayTestEnvironment.AppHostAssembly} is not built.");

        // A job started in the background by a non-interactive shell inherits SIGINT as ignored (POSIX), and .NET
        // keeps it so; `env --default-signal=INT` gives the AppHost a terminal-like disposition, as under start.sh.
        return ManagedProcess.Start(new ManagedProcessStartInfo
        {
            FileName = "/usr/bin/env",
            Arguments =
            [
                "--default-signal=INT", ProjectDotnet(), GatewayTestEnvironment.AppHostAssembly,
                "--no-build", "--state-dir", _stateDirectory, .. args,
            ],
            Name = "apphost",
            Output = _output.Enqueue,
            Environment = environment ?? new Dictionary<string, string?>(),
        });
    }

    private List<int> ChildPids() =>
        _output.Select(l => HealthyLine().Match(l)).Where(m => m.Success)
            .SelectMany(m => m.Groups["pids"].Value.Split(", ").Select(p => int.Parse(p, CultureInfo.InvariantCulture)))
            .ToList();

    private static string ProjectDotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "/usr/bin/dotnet";

    [GeneratedRegex(@"\[apphost\] \S+ is healthy \(pid (?<pids>\d+(, \d+(?=[,)]))*)")]
    private static partial Regex HealthyLine();
}
