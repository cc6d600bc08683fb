using System.Globalization;
using System.Runtime.InteropServices;

namespace Gateway.AppHost.Hosting;

/// <summary>The POSIX signals the hosting layer sends (Linux numbering).</summary>
public enum UnixSignal
{
    Hangup = 1,
    Interrupt = 2,
    Kill = 9,
    Terminate = 15,
}

/// <summary>
/// Process facts read from /proc and signals sent with kill(2). Linux only, which is what this project runs on.
/// </summary>
/// <remarks>
/// A process that has died but was not reaped yet is a zombie: it still has a /proc entry and answers kill(pid, 0),
/// so liveness is read from the state field of /proc/PID/stat instead (Z and X count as gone).
/// </remarks>
public static partial class UnixProcess
{
    /// <summary>True when <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsRunning(int pid)
    {
        var stat = ReadStat(pid);
        return stat is not null && stat.Value.State is not ('Z' or 'X' or 'x');
    }

    /// <summary>
    /// True when <paramref name="pid"/> is running and is the same process as the one seen earlier with
    /// <paramref name="startTime"/> (guards against PID reuse).
    /// </summary>
    public static bool IsRunning(int pid, long startTime)
    {
        var stat = ReadStat(pid);
        return stat is not null && stat.Value.State is not ('Z' or 'X' or 'x') && stat.Value.StartTime == startTime;
    }

    /// <summary>The start time (clock ticks since boot, field 22 of /proc/PID/stat), or null when the process is gone.</summary>
    public static long? GetStartTime(int pid) => ReadStat(pid)?.StartTime;

    /// <summary>Every live descendant of <paramref name="pid"/> (children, grandchildren, ...), with its start time.</summary>
    public static IReadOnlyList<(int Pid, long StartTime)> GetDescendants(int pid)
    {
        var children = new Dictionary<int, List<(int Pid, long StartTime)>>();
        foreach (var dir in EnumerateProcessDirectories())
        {
            if (ReadStat(dir) is { } stat && stat.State is not ('Z' or 'X' or 'x'))
            {
                if (!children.TryGetValue(stat.ParentPid, out var list))
                {
                    children[stat.ParentPid] = list = [];
                }

                list.Add((dir, stat.StartTime));
            }
        }

        var result = new List<(int Pid, long StartTime)>();
        var pending = new Queue<int>();
        pending.Enqueue(pid);
        while (pending.Count > 0)
        {
            if (children.TryGetValue(pending.Dequeue(), out var list))
            {
                foreach (var child in list)
                {
                    result.Add(child);
                    pending.Enqueue(child.Pid);
                }
            }
        }

        return result;
    }

    /// <summary>Every live member of process group <paramref name="pgid"/>, with its start time.</summary>
    public static IReadOnlyList<(int Pid, long StartTime)> GetProcessGroupMembers(int pgid)
    {
        var result = new List<(int Pid, long StartTime)>();
        foreach (var dir in EnumerateProcessDirectories())
        {
            if (ReadStat(dir) is { } stat && stat.ProcessGroup == pgid && stat.State is not ('Z' or 'X' or 'x'))
            {
                result.Add((dir, stat.StartTime));
            }
        }

        return result;
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to <paramref name="pid"/>, or to process group -<paramref name="pid"/> when
    /// negative; false when there is no such process (ESRCH) or it cannot be signalled. 0 and -1 (which would reach
    /// our own group or every process we may signal) are refused.
    /// </summary>
    public static bool SendSignal(int pid, UnixSignal signal)
    {
        if (pid is 0 or -1)
        {
            throw new ArgumentOutOfRangeException(nameof(pid), pid, "0 and -1 would signal far more than one process.");
        }

        return Kill(pid, (int)signal) == 0;
    }

    /// <summary>The parent PID of <paramref name="pid"/>, or null when it is gone.</summary>
    public static int? GetParentPid(int pid) => ReadStat(pid)?.ParentPid;

    /// <summary>The command line of <paramref name="pid"/> split at NUL, or an empty list when it is gone.</summary>
    public static IReadOnlyList<string> GetCommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<int> EnumerateProcessDirectories()
    {
        foreach (var path in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static ProcStat? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
        //  priority nice num_threads itrealvalue starttime ..."; comm may contain spaces and parentheses.
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return null;
        }

        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ppid)
            || !int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pgrp)
            || !long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var startTime))
        {
            return null;
        }

        return new ProcStat(fields[0][0], ppid, pgrp, startTime);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private readonly record struct ProcStat(char State, int ParentPid, int ProcessGroup, long StartTime);
}
