using System.Diagnostics;
using System.Globalization;
using Gateway.AppHost;
using Gateway.AppHost.Hosting;

namespace Gateway.Benchmarks;

/// <summary>Starts the targets, runs the phases (targets interleaved), writes results.json/results.md/latency.png.</summary>
internal sealed class Harness(BenchmarkOptions options)
{
    private static readonly string[] StackProcesses = ["ingress", "auth", "quota", "routing", "metering", "redis", "rabbitmq"];
    private readonly List<string> _notes = [];
    private readonly List<SkippedTarget> _skipped = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var loadAtStart = LoadAverage();
        var repoRoot = new DistributedApplicationOptions().ResolveRepositoryRoot()
            ?? throw new InvalidOperationException("No *.sln above the harness; run it from the repository.");
        var outputDirectory = Path.GetFullPath(options.OutputDirectory
            ?? Path.Combine(repoRoot, "docs", "benchmarks", started.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        var work = Directory.CreateTempSubdirectory("gateway-bench-").FullName;
        var privateNetns = IsPrivateNetworkNamespace();
        Log($"private network namespace: {privateNetns}; load average: {loadAtStart}; output: {outputDirectory}");

        var appOptions = new DistributedApplicationOptions
        {
            RepositoryRoot = repoRoot,
            Configuration = "Release",
            BuildMode = ProjectBuildMode.IfMissing,
            Output = line => File.AppendAllText(Path.Combine(work, "stack.log"), line + "\n"),
        };
        var builder = DistributedApplication.CreateBuilder(appOptions);
        var stackOptions = GatewayStackOptions.ForTests();
        var stack = GatewayStack.Define(builder, stackOptions);
        var bareHop = builder.AddProject("barehop", "tests/Benchmarks/Gateway.BareHop")
            .WithHttpEndpoint("Http")
            .WithEnvironment("BAREHOP_UPSTREAM", stack.Simulator)
            .WaitFor(stack.Simulator);

        ManagedProcess? portkey = null;
        await using var app = builder.Build();
        try
        {
            Log("starting the stack (redis, rabbitmq, simulator, auth, quota, routing, metering, ingress) and the bare hop");
            using (var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                startup.CancelAfter(TimeSpan.FromMinutes(4));
                await app.StartAsync(startup.Token).ConfigureAwait(false);
            }

            var simulatorUrl = new Uri(stack.Simulator.Resource.GetEndpoint("Http").Url);
            var bareHopUrl = new Uri(bareHop.Resource.GetEndpoint("Http").Url);
            using var admin = new GatewayAdminClient(stack.AdminBaseAddress, stackOptions.AdminToken);
            var key = await admin.CreateKeyAsync("bench", "benchmark", rpmLimit: 1_000_000, cancellationToken).ConfigureAwait(false);
            Log("stack up; benchmark key created (rpm limit 1,000,000, the most Quota accepts)");

            TargetProcess Proc(string name) => new(name, () => app.GetProcessIds(name));
            var simulatorProcess = Proc("simulator");
            var simulatorAuth = new KeyValuePair<string, string>("Authorization", "Bearer " + stackOptions.SimulatorApiKey);
            var targets = new List<Target>
            {
                new("direct", simulatorUrl, [simulatorAuth], [simulatorProcess]),
                new("barehop", bareHopUrl, [simulatorAuth], [Proc("barehop")]),
                new("gateway", stack.PublicBaseAddress, [new("Authorization", "Bearer " + key.ApiKey)], [.. StackProcesses.Select(Proc)]),
            };

            if (!options.Portkey)
            {
                _skipped.Add(new SkippedTarget("portkey", "disabled with --no-portkey"));
            }
            else if (!privateNetns)
            {
                _skipped.Add(new SkippedTarget("portkey", "not started: it binds every interface, and this run is not in a private network namespace (use run.sh)"));
            }
            else
            {
                portkey = await StartPortkeyAsync(repoRoot, work, cancellationToken).ConfigureAwait(false);
                if (portkey is not null)
                {
                    var portkeyProcess = portkey;
                    targets.Add(new Target(
                        "portkey",
                        new Uri($"http://127.0.0.1:{PortkeyPort}/"),
                        [simulatorAuth, new("x-portkey-provider", "openai"), new("x-portkey-custom-host", new Uri(simulatorUrl, "v1").ToString().TrimEnd('/'))],
                        [new TargetProcess("portkey", () => portkeyProcess.HasExited ? [] : [portkeyProcess.Pid])]));
                }
            }

            _notes.Add($"Method: latency {options.LatencyRounds} rounds × {options.LatencyPerRound} sequential requests per target; throughput `wrk -t2 -c16` and `-c64`, {options.WrkRounds} round(s) × {options.WrkSeconds} s per target, summed (wrk p50 averaged over rounds, p99 the worst round, in results.json); streams {options.StreamRounds} rounds × {options.StreamsPerRound} per target; the target order rotates every round. CPU from /proc in 10 ms ticks.");
            var results = await MeasureAsync(targets, simulatorProcess, work, cancellationToken).ConfigureAwait(false);
            var runInfo = new RunInfo(
                started,
                _clock.Elapsed.TotalSeconds,
                Environment.MachineName,
                Environment.ProcessorCount,
                loadAtStart,
                LoadAverage(),
                WrkVersion(),
                privateNetns,
                $"ttft=0 itl=0 tokens=16 (non-streaming, wrk); itl=2 tokens=16 (streaming); fault=stall (idle streams)",
                _notes);
            results = results with { Run = runInfo };
            Directory.CreateDirectory(outputDirectory);
            await Report.WriteAsync(results, outputDirectory, work, Log, cancellationToken).ConfigureAwait(false);
            Log($"done in {_clock.Elapsed.TotalSeconds:F0} s: {outputDirectory}");
            return 0;
        }
        catch (Exception ex) when (ex is DistributedApplicationException or GatewayAdminException or HttpRequestException or InvalidOperationException)
        {
            Log($"failed: {ex.Message}");
            Log($"stack output: {Path.Combine(work, "stack.log")}");
            return 1;
        }
        finally
        {
            if (portkey is not null)
            {
                await portkey.StopAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
                await portkey.DisposeAsync().ConfigureAwait(false);
            }

            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            foreach (var script in Directory.EnumerateFiles(work, "*.lua"))
            {
                File.Delete(script); // they hold keys
            }
        }
    }

    private int PortkeyPort { get; set; }

    private async Task<BenchmarkResults> MeasureAsync(
        List<Target> targets, TargetProcess simulator, string work, CancellationToken cancellationToken)
    {
        var phases = new Phases(Log, work);
        var clients = targets.ToDictionary(t => t.Name, _ => Requests.CreateClient(1), StringComparer.Ordinal);
        try
        {
            // Smoke: every target answers 200 with a body, else it is dropped with the reason.
            foreach (var target in targets.ToList())
            {
                var (ok, errors) = await Phases.SequentialAsync(clients[target.Name], target, Requests.Plain, 3, TimeSpan.FromSeconds(30), null, cancellationToken).ConfigureAwait(false);
                var (streamOk, _) = await Phases.SequentialAsync(clients[target.Name], target, Requests.Stream, 1, TimeSpan.FromSeconds(30), null, cancellationToken).ConfigureAwait(false);
                if (ok.Count == 0 || streamOk.Count == 0)
                {
                    _skipped.Add(new SkippedTarget(target.Name, $"did not answer 200 ({errors} errors) in the smoke check"));
                    targets.Remove(target);
                    Log($"{target.Name}: smoke check failed, left out");
                }
            }

            if (!targets.Any(t => t.Name == "direct"))
            {
                throw new InvalidOperationException("The simulator itself does not answer; nothing to compare against.");
            }

            Log($"warm-up ({string.Join(", ", targets.Select(t => t.Name))})");
            foreach (var target in targets)
            {
                await Phases.SequentialAsync(clients[target.Name], target, Requests.Plain, 300, TimeSpan.FromSeconds(20), null, cancellationToken).ConfigureAwait(false);
                await Phases.SequentialAsync(clients[target.Name], target, Requests.Stream, 10, TimeSpan.FromSeconds(10), null, cancellationToken).ConfigureAwait(false);
                await phases.WrkAsync(target, Requests.Plain, 16, 2, cancellationToken).ConfigureAwait(false);
            }

            // Latency: rounds, the target order rotating each round, so drift hits every target alike.
            Log("latency: sequential, one keep-alive connection");
            var latency = targets.ToDictionary(t => t.Name, _ => (Samples: new List<double>(), Errors: 0), StringComparer.Ordinal);
            for (var round = 0; round < options.LatencyRounds; round++)
            {
                foreach (var target in Rotate(targets, round))
                {
                    var (samples, errors) = await Phases.SequentialAsync(
                        clients[target.Name], target, Requests.Plain, options.LatencyPerRound, TimeSpan.FromSeconds(20), null, cancellationToken).ConfigureAwait(false);
                    var entry = latency[target.Name];
                    entry.Samples.AddRange(samples);
                    latency[target.Name] = (entry.Samples, entry.Errors + errors);
                }
            }

            var latencyResults = targets.Select(t => new LatencyResult(t.Name, Percentiles.Of(latency[t.Name].Samples, latency[t.Name].Errors))).ToList();
            foreach (var r in latencyResults)
            {
                Log($"  {r.Target,-8} p50 {r.LatencyMs.P50:F3} ms  p99 {r.LatencyMs.P99:F3} ms  ({r.LatencyMs.Count} ok, {r.LatencyMs.Errors} errors)");
            }

            // Throughput with wrk, CPU from /proc around each run. Each (target, connections) pair runs in several
            // rounds, the target order rotating, and the rounds are summed: noise spreads over every target alike.
            Log($"throughput: wrk -t2, {options.WrkRounds} rounds of {options.WrkSeconds} s per target and connection count");
            var runs = new List<(Target Target, int Connections, WrkSummary Summary, Dictionary<string, double> Cpu, Dictionary<string, double> Rss)>();
            var runIndex = 0;
            for (var round = 0; round < options.WrkRounds; round++)
            {
                foreach (var connections in options.Connections)
                {
                    foreach (var target in Rotate(targets, runIndex++))
                    {
                        var measured = target.Processes.Where(p => p.Name != "simulator").Append(simulator).ToList();
                        var before = ProcStats.Snapshot(measured);
                        var summary = await phases.WrkAsync(target, Requests.Plain, connections, options.WrkSeconds, cancellationToken).ConfigureAwait(false);
                        var cpu = ProcStats.Delta(before, ProcStats.Snapshot(measured));
                        var rss = measured.ToDictionary(p => p.Name, p => Math.Round(ProcStats.RssMiB(p.Pids()), 1), StringComparer.Ordinal);
                        if (summary is not null)
                        {
                            runs.Add((target, connections, summary, cpu, rss));
                            var perRequest = target.Processes.Sum(p => cpu[p.Name]) / Math.Max(1, summary.Requests);
                            Log($"  {target.Name,-8} c{connections,-3} {summary.Requests / (summary.DurationUs / 1e6),8:F0} RPS  non-2xx {summary.Non2xx}  CPU {perRequest:F0} µs/req");
                        }
                    }
                }
            }

            var throughput = new List<ThroughputResult>();
            foreach (var connections in options.Connections)
            {
                foreach (var target in targets)
                {
                    var mine = runs.Where(r => r.Target == target && r.Connections == connections).ToList();
                    if (mine.Count == 0)
                    {
                        continue;
                    }

                    var requests = mine.Sum(r => r.Summary.Requests);
                    var seconds = mine.Sum(r => r.Summary.DurationUs) / 1e6;
                    var cpu = mine.SelectMany(r => r.Cpu).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => Math.Round(g.Sum(p => p.Value)), StringComparer.Ordinal);
                    var perRequest = Math.Max(1, requests);
                    throughput.Add(new ThroughputResult(
                        target.Name, connections, Math.Round(seconds, 2), requests, Math.Round(requests / seconds, 0),
                        mine.Sum(r => r.Summary.Non2xx),
                        mine.Sum(r => r.Summary.ConnectErrors + r.Summary.ReadErrors + r.Summary.WriteErrors + r.Summary.Timeouts),
                        mine.Average(r => r.Summary.P50Us) / 1000.0,
                        mine.Max(r => r.Summary.P99Us) / 1000.0,
                        cpu,
                        Math.Round(target.Processes.Sum(p => cpu[p.Name]) / perRequest, 1),
                        Math.Round(cpu["simulator"] / perRequest, 1),
                        mine[^1].Rss));
                }
            }

            Log("streaming: sequential, time to first byte and to the end");
            var firstBytes = targets.ToDictionary(t => t.Name, _ => new List<double>(), StringComparer.Ordinal);
            var ends = targets.ToDictionary(t => t.Name, _ => (Samples: new List<double>(), Errors: 0), StringComparer.Ordinal);
            for (var round = 0; round < options.StreamRounds; round++)
            {
                foreach (var target in Rotate(targets, round))
                {
                    var (samples, errors) = await Phases.SequentialAsync(
                        clients[target.Name], target, Requests.Stream, options.StreamsPerRound, TimeSpan.FromSeconds(30), firstBytes[target.Name], cancellationToken).ConfigureAwait(false);
                    var entry = ends[target.Name];
                    entry.Samples.AddRange(samples);
                    ends[target.Name] = (entry.Samples, entry.Errors + errors);
                }
            }

            var streamResults = targets.Select(t => new StreamResult(
                t.Name, Percentiles.Of(firstBytes[t.Name], ends[t.Name].Errors), Percentiles.Of(ends[t.Name].Samples, ends[t.Name].Errors))).ToList();
            foreach (var r in streamResults)
            {
                Log($"  {r.Target,-8} first byte p50 {r.FirstByteMs.P50:F3} ms  end p50 {r.EndMs.P50:F3} ms  ({r.EndMs.Count} ok, {r.EndMs.Errors} errors)");
            }

            await Report.WriteSamplesAsync(work, latency.ToDictionary(p => p.Key, p => p.Value.Samples), firstBytes, cancellationToken).ConfigureAwait(false);

            IdleStreamsResult? idle = null;
            var gateway = targets.FirstOrDefault(t => t.Name == "gateway");
            if (options.IdleStreams && gateway is not null)
            {
                var left = TimeSpan.FromMinutes(9) - _clock.Elapsed;
                if (left < TimeSpan.FromSeconds(60))
                {
                    _notes.Add("The idle-streams measurement was skipped: the time budget of the run was used up.");
                }
                else
                {
                    Log($"idle streams: {options.IdleStreamCount} concurrent stalled streams through the gateway");
                    idle = await phases.IdleStreamsAsync(
                        gateway, options.IdleStreamCount, TimeSpan.FromSeconds(Math.Min(150, left.TotalSeconds - 30)),
                        gateway.Processes[0], simulator, cancellationToken).ConfigureAwait(false);
                }
            }

            return new BenchmarkResults(
                null!, targets.Select(t => t.Name).ToList(), _skipped, latencyResults, throughput, streamResults, idle);
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    private async Task<ManagedProcess?> StartPortkeyAsync(string repoRoot, string work, CancellationToken cancellationToken)
    {
        var entry = Path.Combine(repoRoot, "tests", "Benchmarks", "portkey", "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");
        if (!File.Exists(entry))
        {
            _skipped.Add(new SkippedTarget("portkey", $"not installed ({Path.GetRelativePath(repoRoot, entry)} missing: run.sh runs npm ci)"));
            return null;
        }

        PortkeyPort = PortAllocator.GetFreeTcpPort();
        var process = ManagedProcess.Start(new ManagedProcessStartInfo
        {
            Name = "portkey",
            FileName = "node",
            Arguments = [entry, $"--port={PortkeyPort}", "--headless"],
            WorkingDirectory = Path.GetDirectoryName(entry),
            Environment = new Dictionary<string, string?> { ["NODE_ENV"] = "production" },
            LogFilePath = Path.Combine(work, "portkey.log"),
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{PortkeyPort}/"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    Log($"portkey up (pid {process.Pid}, port {PortkeyPort})");
                    return process;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        var last = string.Join(" | ", process.GetLastLines(5));
        _skipped.Add(new SkippedTarget("portkey", $"did not start within 30 s: {last}"));
        await process.StopAsync(TimeSpan.FromSeconds(3), CancellationToken.None).ConfigureAwait(false);
        await process.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    private static IEnumerable<Target> Rotate(List<Target> targets, int by) =>
        targets.Skip(by % targets.Count).Concat(targets.Take(by % targets.Count));

    // /proc/self/net/dev lists the interfaces of this process's network namespace (sysfs may show the host's).
    private static bool IsPrivateNetworkNamespace() =>
        File.Exists("/proc/self/net/dev")
        && File.ReadAllLines("/proc/self/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).All(name => name == "lo");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string WrkVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("wrk", "-v") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is null)
            {
                return "wrk";
            }

            var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit(5000);
            var first = text.Split('\n')[0].Trim();
            return first.Length > 0 ? first : "wrk";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "wrk (not found)";
        }
    }

    private void Log(string line) => Console.WriteLine($"[bench {_clock.Elapsed.TotalSeconds,6:F1}s] {line}");
}
