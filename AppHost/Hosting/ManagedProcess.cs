using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Gateway.AppHost.Hosting;

/// <summary>
/// A child process this program started and owns: environment in, prefixed output out, waits bounded by timeouts,
/// and a stop that leaves nothing behind (SIGTERM, then SIGKILL after a grace period, then whatever is left of its
/// process group and descendants).
/// </summary>
/// <remarks>
/// Cleanup guarantees, strongest first:
/// <list type="bullet">
/// <item><see cref="StopAsync"/> / <see cref="DisposeAsync"/>: ordered, graceful, verified through /proc.</item>
/// <item>Normal exit, unhandled exception, SIGTERM/SIGINT handled by the runtime: <see cref="KillAll"/> runs from
/// AppDomain.ProcessExit / UnhandledException and SIGKILLs every tracked process group.</item>
/// <item>SIGKILL of this process or a crash of the runtime: the kernel SIGKILLs each direct child
/// (setpriv --pdeathsig). Grandchildren a child started die with it only if they notice (most do: pipes close).</item>
/// </list>
/// </remarks>
public sealed class ManagedProcess : IAsyncDisposable
{
    /// <summary>How long <see cref="StopAsync"/> waits after SIGTERM before SIGKILL when no grace period is given.</summary>
    public static readonly TimeSpan DefaultStopGrace = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan s_outputDrainBound = TimeSpan.FromSeconds(1);
    private static readonly ConcurrentDictionary<ManagedProcess, byte> s_tracked = new();
    private static readonly Lazy<string?> s_setsid = new(() => FindOnPath("setsid"));
    private static readonly Lazy<string?> s_setpriv = new(ProbeSetpriv);

    private readonly Process _process;
    private readonly ManagedProcessStartInfo _info;
    private readonly Lock _lock = new();
    private readonly Queue<string> _lines = new();
    private readonly List<LineWaiter> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StreamWriter? _log;
    private bool _outputFinished;
    private Task<int>? _stopTask;
    private int _disposed;

    static ManagedProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
    }

    private ManagedProcess(ManagedProcessStartInfo info, Process process)
    {
        _info = info;
        _process = process;
    }

    /// <summary>The name given at start, used as the output prefix.</summary>
    public string Name => _info.Name;

    /// <summary>The child's PID (the program itself: the setsid/setpriv wrappers exec into it).</summary>
    public int Pid { get; private set; }

    /// <summary>True once the process has exited (and was reaped).</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>The exit code once exited (128+N when killed by signal N), else null.</summary>
    public int? ExitCode => _exited.Task.IsCompletedSuccessfully ? _exited.Task.Result : null;

    /// <summary>Completes with the exit code once the process has exited and its output was read to the end (bounded).</summary>
    public Task<int> Completion => _completion.Task;

    /// <summary>True when the child was started in its own session and process group (PGID = PID).</summary>
    public bool OwnsProcessGroup { get; private set; }

    /// <summary>Starts a process. Throws <see cref="FileNotFoundException"/> when the executable does not exist.</summary>
    public static ManagedProcess Start(ManagedProcessStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var executable = ResolveExecutable(info.FileName)
            ?? throw new FileNotFoundException($"Executable '{info.FileName}' was not found (PATH searched).", info.FileName);

        var startInfo = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = info.WorkingDirectory ?? Environment.CurrentDirectory,
        };

        var ownsGroup = false;
        var setsid = info.NewSession ? s_setsid.Value : null;
        var setpriv = info.KillOnParentExit ? s_setpriv.Value : null;
        if (setsid is not null)
        {
            // Not a process-group leader (we are), so setsid(1) calls setsid(2) and execs without forking: same PID.
            startInfo.FileName = setsid;
            startInfo.ArgumentList.Add("--");
            ownsGroup = true;
        }

        if (setpriv is not null)
        {
            if (startInfo.FileName.Length == 0)
            {
                startInfo.FileName = setpriv;
            }
            else
            {
                startInfo.ArgumentList.Add(setpriv);
            }

            startInfo.ArgumentList.Add("--pdeathsig");
            startInfo.ArgumentList.Add("KILL");
            startInfo.ArgumentList.Add("--");
        }

        if (startInfo.FileName.Length == 0)
        {
            startInfo.FileName = executable;
        }
        else
        {
            startInfo.ArgumentList.Add(executable);
        }

        foreach (var argument in info.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in info.Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var managed = new ManagedProcess(info, process) { OwnsProcessGroup = ownsGroup };
        managed.OpenLog();
        process.OutputDataReceived += (_, e) => managed.OnLine(e.Data, managed._stdoutClosed);
        process.ErrorDataReceived += (_, e) => managed.OnLine(e.Data, managed._stderrClosed);
        process.Exited += (_, _) => managed.OnExited();
        try
        {
            ProcessSpawner.Start(process);
        }
        catch
        {
            managed.CloseLog();
            process.Dispose();
            throw;
        }

        managed.Pid = process.Id;
        s_tracked[managed] = 0;
        process.StandardInput.Close(); // children read EOF, never our terminal
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    /// <summary>
    /// Waits for an output line (stdout or stderr) matching <paramref name="predicate"/>; lines still retained from
    /// before the call count. Throws <see cref="TimeoutException"/> after <paramref name="timeout"/> and
    /// <see cref="ManagedProcessExitedException"/> when the process exits first.
    /// </summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        LineWaiter waiter;
        lock (_lock)
        {
            foreach (var line in _lines)
            {
                if (predicate(line))
                {
                    return line;
                }
            }

            if (_outputFinished)
            {
                throw CreateExitedException();
            }

            waiter = new LineWaiter(predicate);
            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"'{Name}' printed no matching line within {timeout.TotalSeconds:0.#} s.");
        }
        finally
        {
            lock (_lock)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Waits for the process to exit on its own; returns the exit code. Throws <see cref="TimeoutException"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"'{Name}' (pid {Pid}) did not exit within {timeout.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>The last <paramref name="count"/> output lines (stdout and stderr interleaved as read).</summary>
    public IReadOnlyList<string> GetLastLines(int count = 20)
    {
        lock (_lock)
        {
            return _lines.Skip(Math.Max(0, _lines.Count - count)).ToArray();
        }
    }

    /// <summary>Sends a signal to the process (not its group).</summary>
    public bool Signal(UnixSignal signal) => !HasExited && UnixProcess.SendSignal(Pid, signal);

    /// <summary>
    /// Stops the process: SIGTERM, SIGKILL after <paramref name="grace"/> (default <see cref="DefaultStopGrace"/>),
    /// then SIGKILL to anything left in its process group or among the descendants seen while it ran. Returns the
    /// exit code. Safe to call more than once and after the process exited by itself.
    /// </summary>
    public Task<int> StopAsync(TimeSpan? grace = null, CancellationToken cancellationToken = default)
    {
        Task<int> stop;
        lock (_lock)
        {
            stop = _stopTask ??= StopCoreAsync(grace ?? DefaultStopGrace);
        }

        return stop.WaitAsync(cancellationToken);
    }

    /// <summary>SIGKILLs the process, its process group and its descendants at once, without waiting.</summary>
    public void Kill()
    {
        if (!HasExited)
        {
            foreach (var (pid, startTime) in UnixProcess.GetDescendants(Pid))
            {
                if (UnixProcess.IsRunning(pid, startTime))
                {
                    UnixProcess.SendSignal(pid, UnixSignal.Kill);
                }
            }

            UnixProcess.SendSignal(Pid, UnixSignal.Kill);
        }

        KillGroup();
    }

    /// <summary>
    /// SIGKILLs every process started through this class and not disposed yet. Runs by itself on process exit and
    /// on an unhandled exception; orchestrators also call it on a second Ctrl+C.
    /// </summary>
    public static void KillAll()
    {
        foreach (var process in s_tracked.Keys)
        {
            try
            {
                process.Kill();
            }
            catch (Exception)
            {
                // Best effort on the way out: one failure must not stop the others from being killed.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            s_tracked.TryRemove(this, out _);
            CloseLog();
            _process.Dispose();
        }
    }

    public override string ToString() => $"{Name} (pid {Pid})";

    private async Task<int> StopCoreAsync(TimeSpan grace)
    {
        var seen = new HashSet<(int Pid, long StartTime)>();
        if (!HasExited)
        {
            seen.UnionWith(UnixProcess.GetDescendants(Pid));
            UnixProcess.SendSignal(Pid, UnixSignal.Terminate);
            if (!await WaitExitedAsync(grace).ConfigureAwait(false))
            {
                seen.UnionWith(UnixProcess.GetDescendants(Pid));
                UnixProcess.SendSignal(Pid, UnixSignal.Kill);
                if (!await WaitExitedAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"'{Name}' (pid {Pid}) survived SIGKILL for 10 s.");
                }
            }
        }

        // Whatever the process left behind: members of its process group and descendants that changed group.
        if (OwnsProcessGroup)
        {
            seen.UnionWith(UnixProcess.GetProcessGroupMembers(Pid));
        }

        KillGroup();
        foreach (var (pid, startTime) in seen)
        {
            if (UnixProcess.IsRunning(pid, startTime))
            {
                UnixProcess.SendSignal(pid, UnixSignal.Kill);
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (seen.Any(p => UnixProcess.IsRunning(p.Pid, p.StartTime)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        return await _completion.Task.ConfigureAwait(false);
    }

    private void KillGroup()
    {
        if (OwnsProcessGroup && Pid > 0)
        {
            // kill(-pgid): reaches orphaned members even after the leader is gone; ESRCH when the group is empty.
            UnixProcess.SendSignal(-Pid, UnixSignal.Kill);
        }
    }

    private async Task<bool> WaitExitedAsync(TimeSpan timeout)
    {
        var finished = await Task.WhenAny(_exited.Task, Task.Delay(timeout)).ConfigureAwait(false);
        return finished == _exited.Task;
    }

    private void OnExited()
    {
        int code;
        try
        {
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }

        _exited.TrySetResult(code);
        _ = FinishOutputAsync(code);
    }

    private async Task FinishOutputAsync(int code)
    {
        // Lines written just before exit may still be in the pipe; a grandchild holding the pipe open must not block us.
        await Task.WhenAny(Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task), Task.Delay(s_outputDrainBound)).ConfigureAwait(false);
        List<LineWaiter> pending;
        lock (_lock)
        {
            _outputFinished = true;
            pending = [.. _waiters];
            _waiters.Clear();
            _log?.Flush();
        }

        var exception = CreateExitedException(code);
        foreach (var waiter in pending)
        {
            waiter.Completion.TrySetException(exception);
        }

        _completion.TrySetResult(code);
    }

    private void OnLine(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        _info.Output?.Invoke($"[{Name}] {line}");
        lock (_lock)
        {
            _log?.WriteLine(line);
            _lines.Enqueue(line);
            while (_lines.Count > Math.Max(1, _info.RetainedLines))
            {
                _lines.Dequeue();
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                bool matched;
                try
                {
                    matched = waiter.Predicate(line);
                }
                catch (Exception ex)
                {
                    waiter.Completion.TrySetException(ex);
                    _waiters.RemoveAt(i);
                    continue;
                }

                if (matched)
                {
                    waiter.Completion.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private ManagedProcessExitedException CreateExitedException(int? code = null) =>
        new(Name, code ?? ExitCode ?? -1, GetLastLines(20));

    private void OpenLog()
    {
        if (_info.LogFilePath is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            _log = new StreamWriter(path, append: false, Encoding.UTF8) { AutoFlush = true };
        }
    }

    private void CloseLog()
    {
        lock (_lock)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    private static string? ResolveExecutable(string fileName)
    {
        if (fileName.Contains('/'))
        {
            var full = Path.GetFullPath(fileName);
            return File.Exists(full) ? full : null;
        }

        return FindOnPath(fileName);
    }

    /// <summary>Looks a program up on PATH (plus /usr/sbin and /sbin, which PATH often lacks for non-root users).</summary>
    internal static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/sbin"))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? ProbeSetpriv()
    {
        // util-linux's setpriv has had --pdeathsig since 2.33 (Debian 12 ships 2.38); check instead of assuming.
        if (FindOnPath("setpriv") is not { } setpriv)
        {
            return null;
        }

        try
        {
            using var probe = Process.Start(new ProcessStartInfo(setpriv, ["--pdeathsig", "KILL", "--", "true"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            return probe.WaitForExit(5000) && probe.ExitCode == 0 ? setpriv : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }

    private sealed class LineWaiter(Func<string, bool> predicate)
    {
        public Func<string, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<string> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
