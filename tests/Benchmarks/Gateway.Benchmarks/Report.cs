using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gateway.Benchmarks;

/// <summary>results.json, results.md and latency.png (drawn by gnuplot from the raw samples).</summary>
internal static class Report
{
    private static readonly string[] StackProcesses = ["ingress", "auth", "quota", "routing", "metering", "redis", "rabbitmq"];

    public static async Task WriteSamplesAsync(
        string work, Dictionary<string, List<double>> latency, Dictionary<string, List<double>> firstByte, CancellationToken cancellationToken)
    {
        foreach (var (kind, data) in new[] { ("latency", latency), ("ttfb", firstByte) })
        {
            foreach (var (target, samples) in data)
            {
                var sorted = samples.Order().ToList();
                var text = new StringBuilder();
                for (var i = 0; i < sorted.Count; i++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{sorted[i]:F4} {100.0 * (i + 1) / sorted.Count:F3}\n");
                }

                await File.WriteAllTextAsync(Path.Combine(work, $"{kind}-{target}.dat"), text.ToString(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public static async Task WriteAsync(BenchmarkResults results, string directory, string work, Action<string> log, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(results, JsonOptions.Default);
        await File.WriteAllTextAsync(Path.Combine(directory, "results.json"), json + "\n", cancellationToken).ConfigureAwait(false);
        var chart = await DrawAsync(results, directory, work, cancellationToken).ConfigureAwait(false);
        var markdown = Markdown(results, chart);
        await File.WriteAllTextAsync(Path.Combine(directory, "results.md"), markdown, cancellationToken).ConfigureAwait(false);
        log("\n" + markdown);
    }

    private static string Markdown(BenchmarkResults r, string? chartError)
    {
        var md = new StringBuilder();
        var run = r.Run;
        md.AppendLine(CultureInfo.InvariantCulture, $"# Gateway benchmark, {run.StartedAt:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{run.ProcessorCount} cores, everything on one machine (load generator, targets, upstream share the cores). Load generator: `{run.LoadGenerator}` (`wrk -t2`); latency and streams: one .NET HttpClient, sequential over one keep-alive connection. Private network namespace: {(run.PrivateNetworkNamespace ? "yes" : "no")}. Load average at start {run.LoadAverageAtStart}, at end {run.LoadAverageAtEnd} (other work may have shared the machine). Run took {run.TotalSeconds:F0} s.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Upstream: the simulator, {run.Simulator}.");
        md.AppendLine();

        var direct = r.Latency.FirstOrDefault(l => l.Target == "direct");
        var directStream = r.Streaming.FirstOrDefault(s => s.Target == "direct");
        ThroughputResult? Tp(string target, int c) => r.Throughput.FirstOrDefault(t => t.Target == target && t.Connections == c);

        md.AppendLine("| target | p50 ms | p90 ms | p99 ms | p50 overhead | p99 overhead | RPS c16 | RPS c64 | c64 % of direct | stream first byte p50 (overhead) | stream end p50 (overhead) | CPU µs/req c16 / c64 | RSS MiB |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var target in r.Targets)
        {
            var l = r.Latency.First(x => x.Target == target).LatencyMs;
            var s = r.Streaming.First(x => x.Target == target);
            var c16 = Tp(target, 16);
            var c64 = Tp(target, 64);
            var d64 = Tp("direct", 64);
            var rss = c64?.RssMiB.Where(p => p.Key != "simulator" || target == "direct").Sum(p => p.Value);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {target} | {l.P50:F3} | {l.P90:F3} | {l.P99:F3} | {Over(l.P50, direct?.LatencyMs.P50, target)} | {Over(l.P99, direct?.LatencyMs.P99, target)} | {c16?.RequestsPerSecond:F0} | {c64?.RequestsPerSecond:F0} | {(c64 is null || d64 is null ? "" : (100 * c64.RequestsPerSecond / d64.RequestsPerSecond).ToString("F1", CultureInfo.InvariantCulture) + "%")} | {s.FirstByteMs.P50:F3} ({Over(s.FirstByteMs.P50, directStream?.FirstByteMs.P50, target)}) | {s.EndMs.P50:F2} ({Over(s.EndMs.P50, directStream?.EndMs.P50, target)}) | {c16?.TargetCpuMicrosecondsPerRequest:F0} / {c64?.TargetCpuMicrosecondsPerRequest:F0} | {rss:F0} |");
        }

        foreach (var skipped in r.Skipped)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {skipped.Name} | not measured: {skipped.Reason} |||||||||||| |");
        }

        md.AppendLine();
        md.AppendLine("Overheads are over the simulator called directly. CPU µs/req: CPU time (utime+stime from /proc) of the target's own processes during the wrk run divided by the requests served (the simulator's share is not included, except for `direct`, which *is* the simulator). RSS: after the c64 run. Errors (non-2xx or socket) are listed below when any occurred.");
        md.AppendLine();

        var stackRuns = r.Throughput.Where(t => t.Target == "gateway").ToList();
        if (stackRuns.Count > 0)
        {
            md.AppendLine("## The gateway stack, per process (CPU µs per request; RSS MiB after c64)");
            md.AppendLine();
            md.AppendLine("| run | " + string.Join(" | ", StackProcesses) + " | sum | simulator (upstream) |");
            md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", StackProcesses.Length + 2)));
            foreach (var run1 in stackRuns)
            {
                var n = Math.Max(1, run1.Requests);
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| c{run1.Connections} | {string.Join(" | ", StackProcesses.Select(p => (run1.CpuMicroseconds.GetValueOrDefault(p) / n).ToString("F1", CultureInfo.InvariantCulture)))} | {run1.TargetCpuMicrosecondsPerRequest:F1} | {run1.UpstreamCpuMicrosecondsPerRequest:F1} |");
            }

            var last = stackRuns[^1];
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| RSS | {string.Join(" | ", StackProcesses.Select(p => last.RssMiB.GetValueOrDefault(p).ToString("F0", CultureInfo.InvariantCulture)))} | {StackProcesses.Sum(p => last.RssMiB.GetValueOrDefault(p)):F0} | {last.RssMiB.GetValueOrDefault("simulator"):F0} |");
            md.AppendLine();
        }

        md.AppendLine("## Issue 5's targets (read from this run)");
        md.AppendLine();
        md.AppendLine("| target | measured | |");
        md.AppendLine("|---|---|---|");
        var g = r.Latency.FirstOrDefault(x => x.Target == "gateway")?.LatencyMs;
        if (g is not null && direct is not null)
        {
            var p50 = g.P50 - direct.LatencyMs.P50;
            var p99 = g.P99 - direct.LatencyMs.P99;
            md.AppendLine(CultureInfo.InvariantCulture, $"| non-streaming overhead p50 ≤ 0.3 ms, p99 ≤ 2 ms | p50 {p50:F3} ms, p99 {p99:F3} ms | {Verdict(p50 <= 0.3 && p99 <= 2)} |");
        }

        var g64 = Tp("gateway", 64);
        var b64 = Tp("barehop", 64);
        var k64 = Tp("portkey", 64);
        if (g64 is not null && b64 is not null)
        {
            var ratio = g64.RequestsPerSecond / b64.RequestsPerSecond;
            var vsPortkey = k64 is null ? double.NaN : g64.RequestsPerSecond / k64.RequestsPerSecond;
            md.AppendLine(CultureInfo.InvariantCulture, $"| c64 throughput ≥ 60% of the bare hop, ≥ 10× Portkey | {100 * ratio:F0}% of the bare hop, {(double.IsNaN(vsPortkey) ? "Portkey not measured" : vsPortkey.ToString("F1", CultureInfo.InvariantCulture) + "× Portkey")} | {Verdict(ratio >= 0.6 && (double.IsNaN(vsPortkey) || vsPortkey >= 10))} |");
            var cpuRatio = g64.TargetCpuMicrosecondsPerRequest / b64.TargetCpuMicrosecondsPerRequest;
            md.AppendLine(CultureInfo.InvariantCulture, $"| CPU per request (stack's own processes) ≤ 2× the bare hop | {g64.TargetCpuMicrosecondsPerRequest:F0} µs vs {b64.TargetCpuMicrosecondsPerRequest:F0} µs ({cpuRatio:F1}×) | {Verdict(cpuRatio <= 2)} |");
        }

        var gs = r.Streaming.FirstOrDefault(x => x.Target == "gateway");
        if (gs is not null && directStream is not null)
        {
            var over = gs.FirstByteMs.P50 - directStream.FirstByteMs.P50;
            md.AppendLine(CultureInfo.InvariantCulture, $"| stream first-byte overhead p50 ≤ 0.5 ms | {over:F3} ms | {Verdict(over <= 0.5)} |");
        }

        if (r.IdleStreams is { } idle)
        {
            var all = idle.Opened >= idle.Requested;
            md.AppendLine(CultureInfo.InvariantCulture, $"| {idle.Requested} concurrent streams, Ingress RSS ≤ 600 MB | {idle.Opened} open, Ingress RSS {idle.IngressRssMiB:F0} MiB (idle before: {idle.IngressRssBeforeMiB:F0} MiB; simulator {idle.SimulatorRssMiB:F0} MiB) | {(all ? Verdict(idle.IngressRssMiB * 1.048576 <= 600) : "not all streams opened: " + idle.Note)} |");
        }
        else
        {
            md.AppendLine("| 5,000 concurrent streams, Ingress RSS ≤ 600 MB | not measured in this run | |");
        }

        md.AppendLine();
        var errors = r.Throughput.Where(t => t.Non2xx > 0 || t.SocketErrors > 0)
            .Select(t => $"{t.Target} c{t.Connections}: {t.Non2xx} non-2xx, {t.SocketErrors} socket errors")
            .Concat(r.Latency.Where(l => l.LatencyMs.Errors > 0).Select(l => $"{l.Target} latency: {l.LatencyMs.Errors} errors"))
            .Concat(r.Streaming.Where(s => s.EndMs.Errors > 0).Select(s => $"{s.Target} streams: {s.EndMs.Errors} errors"))
            .ToList();
        md.AppendLine(errors.Count == 0 ? "Errors: none." : "Errors: " + string.Join("; ", errors) + ".");
        md.AppendLine();
        md.AppendLine(chartError is null ? "![latency distributions](latency.png)" : $"Chart not drawn: {chartError}");
        foreach (var note in r.Run.Notes)
        {
            md.AppendLine();
            md.AppendLine(note);
        }

        return md.ToString();
    }

    private static string Over(double value, double? baseline, string target) =>
        target == "direct" || baseline is null ? "—" : (value - baseline.Value).ToString("+0.000;-0.000", CultureInfo.InvariantCulture) + " ms";

    private static string Verdict(bool met) => met ? "met" : "**missed**";

    /// <summary>CDFs of the sequential latency and of the stream first byte, one line per target; null when drawn.</summary>
    private static async Task<string?> DrawAsync(BenchmarkResults r, string directory, string work, CancellationToken cancellationToken)
    {
        var plots = new StringBuilder();
        string Series(string kind) => string.Join(", ", r.Targets.Select(t =>
            $"'{Path.Combine(work, $"{kind}-{t}.dat")}' using 1:2 with lines lw 2 title '{t}'"));
        plots.AppendLine(CultureInfo.InvariantCulture, $"""
            set terminal pngcairo size 1400,560 font 'sans,11'
            set output '{Path.Combine(directory, "latency.png")}'
            set multiplot layout 1,2 title 'Latency distributions, {r.Run.StartedAt:yyyy-MM-dd} ({r.Run.ProcessorCount} cores, shared with load generator and upstream)'
            set grid
            set logscale x
            set key bottom right
            set ylabel 'percentile'
            set yrange [0:100]
            set title 'Non-streaming, sequential over one keep-alive connection'
            set xlabel 'latency (ms, log scale)'
            plot {Series("latency")}
            set title 'Streaming: time to first byte'
            set xlabel 'time to first byte (ms, log scale)'
            plot {Series("ttfb")}
            unset multiplot
            """);
        var script = Path.Combine(work, "latency.gp");
        await File.WriteAllTextAsync(script, plots.ToString(), cancellationToken).ConfigureAwait(false);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("gnuplot", script) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (process is null)
            {
                return "gnuplot did not start";
            }

            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return process.ExitCode == 0 ? null : $"gnuplot failed: {(await stderr.ConfigureAwait(false)).Trim()}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "gnuplot is not installed (apt-get install gnuplot-nox; run.sh does)";
        }
    }
}
