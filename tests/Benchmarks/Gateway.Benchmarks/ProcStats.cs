using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>CPU time (utime + stime) and RSS of processes, read from /proc.</summary>
internal static class ProcStats
{
    // USER_HZ is 100 on every Linux ABI .NET runs on (sysconf(_SC_CLK_TCK)).
    private const double MicrosecondsPerTick = 1_000_000.0 / 100;

    /// <summary>CPU time in µs of the processes, summed; a process that is gone counts 0.</summary>
    public static double CpuMicroseconds(IEnumerable<int> pids)
    {
        double total = 0;
        foreach (var pid in pids)
        {
            total += CpuMicroseconds(pid);
        }

        return total;
    }

    public static double CpuMicroseconds(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return 0;
        }

        // Fields after the ")" that ends comm: state(3) ... utime(14) stime(15).
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
        return (utime + stime) * MicrosecondsPerTick;
    }

    /// <summary>Resident set size in MiB of the processes, summed.</summary>
    public static double RssMiB(IEnumerable<int> pids)
    {
        double total = 0;
        foreach (var pid in pids)
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                        total += kb / 1024.0;
                        break;
                    }
                }
            }
            catch (IOException)
            {
            }
        }

        return total;
    }

    /// <summary>A snapshot of each process's CPU µs, keyed by process name.</summary>
    public static Dictionary<string, double> Snapshot(IEnumerable<TargetProcess> processes) =>
        processes.ToDictionary(p => p.Name, p => CpuMicroseconds(p.Pids()), StringComparer.Ordinal);

    /// <summary>Per-process CPU µs between two snapshots.</summary>
    public static Dictionary<string, double> Delta(Dictionary<string, double> before, Dictionary<string, double> after) =>
        after.ToDictionary(pair => pair.Key, pair => Math.Max(0, pair.Value - before.GetValueOrDefault(pair.Key)), StringComparer.Ordinal);
}
