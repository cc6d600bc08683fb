namespace Gateway.Benchmarks;

internal sealed record Percentiles(int Count, int Errors, double P50, double P90, double P99, double Mean, double Max)
{
    /// <summary>Nearest-rank percentiles of samples in ms (sorted in place).</summary>
    public static Percentiles Of(List<double> samples, int errors)
    {
        if (samples.Count == 0)
        {
            return new Percentiles(0, errors, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        samples.Sort();
        return new Percentiles(samples.Count, errors, At(samples, 50), At(samples, 90), At(samples, 99), samples.Average(), samples[^1]);
    }

    private static double At(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

internal sealed record LatencyResult(string Target, Percentiles LatencyMs);

internal sealed record StreamResult(string Target, Percentiles FirstByteMs, Percentiles EndMs);

internal sealed record ThroughputResult(
    string Target,
    int Connections,
    double DurationSeconds,
    long Requests,
    double RequestsPerSecond,
    long Non2xx,
    long SocketErrors,
    double WrkLatencyP50Ms,
    double WrkLatencyP99Ms,
    Dictionary<string, double> CpuMicroseconds,
    double TargetCpuMicrosecondsPerRequest,
    double UpstreamCpuMicrosecondsPerRequest,
    Dictionary<string, double> RssMiB);

internal sealed record IdleStreamsResult(
    int Requested,
    int Opened,
    int Failed,
    double OpenSeconds,
    double IngressRssBeforeMiB,
    double IngressRssMiB,
    double SimulatorRssMiB,
    string? Note);

internal sealed record RunInfo(
    DateTimeOffset StartedAt,
    double TotalSeconds,
    string Machine,
    int ProcessorCount,
    string LoadAverageAtStart,
    string LoadAverageAtEnd,
    string LoadGenerator,
    bool PrivateNetworkNamespace,
    string Simulator,
    IReadOnlyList<string> Notes);

internal sealed record BenchmarkResults(
    RunInfo Run,
    IReadOnlyList<string> Targets,
    IReadOnlyList<SkippedTarget> Skipped,
    IReadOnlyList<LatencyResult> Latency,
    IReadOnlyList<ThroughputResult> Throughput,
    IReadOnlyList<StreamResult> Streaming,
    IdleStreamsResult? IdleStreams);
