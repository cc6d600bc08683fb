using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Gateway.Benchmarks;

/// <summary>The measurements. Every loop is bounded by a count and by a time limit.</summary>
internal sealed class Phases(Action<string> log, string workDirectory)
{
    /// <summary>Sequential requests over one keep-alive connection; returns latencies (ms) of successes.</summary>
    public static async Task<(List<double> Samples, int Errors)> SequentialAsync(
        HttpClient client, Target target, string body, int count, TimeSpan limit, List<double>? firstByte, CancellationToken cancellationToken)
    {
        var samples = new List<double>(count);
        var errors = 0;
        var deadline = Stopwatch.StartNew();
        var buffer = new byte[16 * 1024];
        for (var i = 0; i < count && deadline.Elapsed < limit; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var request = Requests.Create(target, body);
            var start = Stopwatch.GetTimestamp();
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var total = 0;
                var first = true;
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (first)
                    {
                        firstByte?.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        first = false;
                    }

                    total += read;
                }

                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (response.IsSuccessStatusCode && total > 0)
                {
                    samples.Add(elapsed);
                }
                else
                {
                    if (!first && firstByte is { Count: > 0 })
                    {
                        firstByte.RemoveAt(firstByte.Count - 1);
                    }

                    errors++;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                errors++;
            }
        }

        return (samples, errors);
    }

    /// <summary>Runs wrk against a target; returns its done() summary.</summary>
    public async Task<WrkSummary?> WrkAsync(Target target, string body, int connections, int seconds, CancellationToken cancellationToken)
    {
        var script = Path.Combine(workDirectory, $"wrk-{target.Name}.lua");
        if (!File.Exists(script))
        {
            await File.WriteAllTextAsync(script, LuaScript(target, body), cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite); // it holds a key
            }
        }

        var info = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", $"{seconds}s", "--timeout", "10s", "-s", script, target.ChatUrl.ToString() })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds + 30));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            log($"  wrk against {target.Name} did not finish in time and was killed");
            return null;
        }

        var output = await stdout.ConfigureAwait(false);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH_JSON ", StringComparison.Ordinal));
        if (line is null)
        {
            log($"  wrk against {target.Name} printed no summary: {(await stderr.ConfigureAwait(false)).Trim()} {output.Trim()}");
            return null;
        }

        return JsonSerializer.Deserialize<WrkSummary>(line["BENCH_JSON ".Length..], JsonOptions.Default);
    }

    /// <summary>
    /// Opens up to <paramref name="count"/> streams that never end (stall fault) through the target, measures the RSS
    /// of <paramref name="measured"/> with all of them open, then closes them.
    /// </summary>
    public async Task<IdleStreamsResult> IdleStreamsAsync(
        Target target, int count, TimeSpan limit, TargetProcess measured, TargetProcess upstream, CancellationToken cancellationToken)
    {
        var before = ProcStats.RssMiB(measured.Pids());
        using var client = Requests.CreateClient(int.MaxValue);
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var open = new ConcurrentBag<(HttpResponseMessage Response, Stream Stream)>();
        var failed = 0;
        string? firstFailure = null;
        var watch = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(100);
        var tasks = new List<Task>(count);
        for (var i = 0; i < count && watch.Elapsed < limit; i++)
        {
            await gate.WaitAsync(stop.Token).ConfigureAwait(false);
            tasks.Add(Task.Run(
                async () =>
                {
                    try
                    {
                        using var opening = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                        opening.CancelAfter(TimeSpan.FromSeconds(20));
                        using var request = Requests.Create(target, Requests.Stall);
                        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, opening.Token).ConfigureAwait(false);
                        if (!response.IsSuccessStatusCode)
                        {
                            Interlocked.CompareExchange(ref firstFailure, $"status {(int)response.StatusCode}", null);
                            response.Dispose();
                            Interlocked.Increment(ref failed);
                            return;
                        }

                        var stream = await response.Content.ReadAsStreamAsync(opening.Token).ConfigureAwait(false);
                        var buffer = new byte[512];
                        if (await stream.ReadAsync(buffer, opening.Token).ConfigureAwait(false) <= 0)
                        {
                            response.Dispose();
                            Interlocked.Increment(ref failed);
                            return;
                        }

                        open.Add((response, stream));
                    }
                    catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
                    {
                        Interlocked.CompareExchange(ref firstFailure, ex.GetType().Name + ": " + ex.Message, null);
                        Interlocked.Increment(ref failed);
                    }
                    finally
                    {
                        gate.Release();
                    }
                },
                CancellationToken.None));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        var openSeconds = watch.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        var rss = ProcStats.RssMiB(measured.Pids());
        var upstreamRss = ProcStats.RssMiB(upstream.Pids());
        log($"  {open.Count} streams open after {openSeconds:F1} s ({failed} failed{(firstFailure is null ? "" : ", first: " + firstFailure)}); Ingress RSS {before:F0} -> {rss:F0} MiB");
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var (response, stream) in open)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            response.Dispose();
        }

        return new IdleStreamsResult(count, open.Count, failed, openSeconds, before, rss, upstreamRss, firstFailure);
    }

    private static string LuaScript(Target target, string body)
    {
        var lines = new List<string>
        {
            "wrk.method = \"POST\"",
            $"wrk.body = [[{body}]]",
            "wrk.headers[\"Content-Type\"] = \"application/json\"",
        };
        lines.AddRange(target.Headers.Select(h => $"wrk.headers[\"{h.Key}\"] = \"{h.Value}\""));
        lines.Add("""
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format('BENCH_JSON {"requests":%d,"durationUs":%d,"non2xx":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d}\n',
                summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
                latency:percentile(50), latency:percentile(90), latency:percentile(99)))
            end
            """);
        return string.Join('\n', lines) + "\n";
    }
}

internal sealed record WrkSummary(
    long Requests, long DurationUs, long Non2xx, long ConnectErrors, long ReadErrors, long WriteErrors, long Timeouts, long P50Us, long P90Us, long P99Us);

internal static class JsonOptions
{
    public static readonly JsonSerializerOptions Default = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
