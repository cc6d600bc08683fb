using System.Collections.Concurrent;
using Gateway.AppHost.Hosting;
using Gateway.AppHost.Tests.Infrastructure;

namespace Gateway.AppHost.Tests.Hosting;

public sealed class ManagedProcessTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Start_ProcessWritesBothStreams_OutputIsPrefixedLoggedAndRetained()
    {
        var lines = new ConcurrentQueue<string>();
        var log = Path.Combine(Path.GetTempPath(), $"managed-{Guid.NewGuid():N}.log");
        try
        {
            await using var process = Sh.Start("echo hello; echo oops >&2; exit 3", "echoer", lines.Enqueue, log);

            var code = await process.WaitForExitAsync(s_wait);

            Assert.Equal(3, code);
            Assert.Equal(3, process.ExitCode);
            Assert.Contains("[echoer] hello", lines);
            Assert.Contains("[echoer] oops", lines);
            Assert.Equal(["hello", "oops"], process.GetLastLines(10).Order());
            Assert.Equal(["hello", "oops"], (await File.ReadAllLinesAsync(log)).Order());
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task Start_EnvironmentGiven_ChildSeesAddedAndNotRemovedVariables()
    {
        const string removed = "GATEWAY_APPHOST_TEST_REMOVED";
        Environment.SetEnvironmentVariable(removed, "inherited");
        await using var process = Sh.Start(
            $"echo \"added=$GATEWAY_APPHOST_TEST_ADDED removed=${{{removed}:-none}}\"",
            environment: new Dictionary<string, string?> { ["GATEWAY_APPHOST_TEST_ADDED"] = "yes", [removed] = null });

        var line = await process.WaitForOutputAsync(l => l.StartsWith("added=", StringComparison.Ordinal), s_wait);

        Assert.Equal("added=yes removed=none", line);
    }

    [Fact]
    public async Task WaitForOutputAsync_LineComesLater_ReturnsItAndStopTerminatesGracefully()
    {
        await using var process = Sh.Start("sleep 0.2; echo ready; exec sleep 300");

        var line = await process.WaitForOutputAsync(l => l == "ready", s_wait);
        var code = await process.StopAsync();

        Assert.Equal("ready", line);
        Assert.Equal(128 + 15, code); // sleep dies of SIGTERM
        Assert.False(UnixProcess.IsRunning(process.Pid));
    }

    [Fact]
    public async Task WaitForOutputAsync_ProcessExitsFirst_ThrowsWithExitCodeAndLastLines()
    {
        await using var process = Sh.Start("echo about-to-fail; exit 4", "failing");

        var ex = await Assert.ThrowsAsync<ManagedProcessExitedException>(
            () => process.WaitForOutputAsync(l => l == "never printed", s_wait));

        Assert.Equal(4, ex.ExitCode);
        Assert.Equal("failing", ex.ProcessName);
        Assert.Contains("about-to-fail", ex.LastLines);
        Assert.Contains("about-to-fail", ex.Message);
    }

    [Fact]
    public async Task WaitForOutputAsync_NothingMatches_ThrowsTimeoutAndProcessKeepsRunning()
    {
        await using var process = Sh.Start("echo something-else; exec sleep 300");

        await Assert.ThrowsAsync<TimeoutException>(() => process.WaitForOutputAsync(l => l == "never", TimeSpan.FromMilliseconds(300)));

        Assert.True(UnixProcess.IsRunning(process.Pid));
    }

    [Fact]
    public async Task StopAsync_ProcessIgnoresSigterm_KilledAfterGrace()
    {
        await using var process = Sh.Start("trap '' TERM; echo armed; while :; do sleep 0.1; done");
        await process.WaitForOutputAsync(l => l == "armed", s_wait);

        var code = await process.StopAsync(TimeSpan.FromMilliseconds(300));

        Assert.Equal(128 + 9, code);
        Assert.False(UnixProcess.IsRunning(process.Pid));
    }

    [Fact]
    public async Task StopAsync_ProcessWithChildren_LeavesNoDescendant()
    {
        await using var process = Sh.Start("sleep 300 & echo first=$!; sleep 300 & echo second=$!; wait");
        var first = await Sh.ReadPidAsync(process, "first");
        var second = await Sh.ReadPidAsync(process, "second");

        await process.StopAsync();

        await ProcessAssert.AllGoneAsync([process.Pid, first, second]);
    }

    [Fact]
    public async Task StopAsync_GrandchildOrphanedInItsGroup_IsKilledWithTheGroup()
    {
        // The inner shell exits at once: its sleep is re-parented away from our child but stays in the child's group.
        await using var process = Sh.Start("sh -c 'sleep 300 & echo orphan=$!'; echo inner-done; exec sleep 300");
        var orphan = await Sh.ReadPidAsync(process, "orphan");
        await process.WaitForOutputAsync(l => l == "inner-done", s_wait);
        Assert.True(UnixProcess.IsRunning(orphan));
        Assert.DoesNotContain(UnixProcess.GetDescendants(process.Pid), d => d.Pid == orphan);

        await process.StopAsync();

        await ProcessAssert.AllGoneAsync([process.Pid, orphan]);
    }

    [Fact]
    public async Task DisposeAsync_ProcessAlreadyExitedLeavingOrphan_KillsOrphan()
    {
        var process = Sh.Start("sh -c 'sleep 300 & echo orphan=$!'");
        var orphan = await Sh.ReadPidAsync(process, "orphan");
        await process.WaitForExitAsync(s_wait);
        Assert.True(UnixProcess.IsRunning(orphan));

        await process.DisposeAsync();

        await ProcessAssert.AllGoneAsync([orphan]);
    }

    [Fact]
    public async Task Start_Default_ChildLeadsItsOwnSessionAndGroup()
    {
        await using var process = Sh.Start("echo started; exec sleep 300");
        await process.WaitForOutputAsync(l => l == "started", s_wait); // past the setsid/setpriv wrappers

        var stat = (await File.ReadAllTextAsync($"/proc/{process.Pid}/stat")).Split(')')[1].Split(' ');

        Assert.True(process.OwnsProcessGroup);
        Assert.Equal(process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), stat[3]); // pgrp
        Assert.Equal(process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), stat[4]); // session
    }

    [Fact]
    public void Start_MissingExecutable_ThrowsFileNotFound()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => ManagedProcess.Start(new ManagedProcessStartInfo
        {
            FileName = "gateway-no-such-program",
            Name = "missing",
        }));

        Assert.Contains("gateway-no-such-program", ex.Message);
    }

    [Fact]
    public async Task StopAsync_CalledTwiceConcurrently_BothReturnSameExitCode()
    {
        await using var process = Sh.Start("exec sleep 300");

        var codes = await Task.WhenAll(process.StopAsync(), process.StopAsync());

        Assert.Equal(codes[0], codes[1]);
        Assert.False(UnixProcess.IsRunning(process.Pid));
    }
}
