using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Gateway.Testing.Node;

/// <summary>
/// A node script run as a child process for a test: stdout is read line by line (every line is kept, so a
/// test can wait for one that already arrived), stderr is captured for failure messages, and the process is
/// killed by its PID on dispose, whatever the test's outcome. Processes still alive when the test host exits
/// are killed then too.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private const int MaxCapturedStderr = 64 * 1024;

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = false });
    private readonly List<string> _allLines = [];
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    static NodeProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values)
            {
                TryKill(process);
            }
        };
    }

    private NodeProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    /// <summary>What the process wrote to stderr so far (for failure messages).</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Every stdout line received so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_allLines)
            {
                return [.. _allLines];
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>node script args...</c> in <paramref name="workingDirectory"/>.</summary>
    public static NodeProcess Start(string script, IEnumerable<string> arguments, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        startInfo.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var node = new NodeProcess(process);
        process.OutputDataReceived += (_, e) => node.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnStderr(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start node {script}.");
        }

        Running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>The next stdout line not yet taken by this method, or an exception after the timeout or at EOF.</summary>
    public async Task<string> ReadLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (await _lines.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false) && _lines.Reader.TryRead(out var line))
            {
                return line;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"node wrote no stdout line within {timeout}. {Describe()}");
        }

        throw new InvalidOperationException($"node closed stdout. {Describe()}");
    }

    /// <summary>Waits (bounded) for a stdout line, past or future, that matches.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = 0;
        while (true)
        {
            List<string> snapshot;
            lock (_allLines)
            {
                snapshot = _allLines.GetRange(seen, _allLines.Count - seen);
                seen = _allLines.Count;
            }

            foreach (var line in snapshot)
            {
                if (predicate(line))
                {
                    return line;
                }
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No matching stdout line from node within {timeout}. {Describe()}");
            }

            if (_stdoutClosed.Task.IsCompleted)
            {
                throw new InvalidOperationException($"node closed stdout without a matching line. {Describe()}");
            }

            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(20)), _stdoutClosed.Task).ConfigureAwait(false);
        }
    }

    /// <summary>Waits (bounded) for the process to exit; returns its exit code and all of stdout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            await _stdoutClosed.Task.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"node did not exit within {timeout}. {Describe()}");
        }

        return _process.ExitCode;
    }

    public string Describe() =>
        $"pid {Pid}; stdout: [{string.Join(" | ", Lines)}]; stderr: [{StandardError}]";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        TryKill(_process);
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Killed but not yet reaped; nothing more can be done from here.
            }
        }

        Running.TryRemove(_process.Id, out _);
        _process.Dispose();
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting while we tried.
        }
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            _stdoutClosed.TrySetResult();
            return;
        }

        lock (_allLines)
        {
            _allLines.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            if (_stderr.Length < MaxCapturedStderr)
            {
                _stderr.AppendLine(line);
            }
        }
    }
}
