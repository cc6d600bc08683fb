using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gateway.Grpc.Tests.Infrastructure;

/// <summary>
/// One process-wide listener for the sources a trace crosses (the tests', the gRPC layer's, ASP.NET Core
/// hosting), so activities are created, sampled and kept for assertions.
/// </summary>
public static class ActivityRecorder
{
    public const string TestSourceName = "Gateway.Grpc.Tests";

    public static readonly ActivitySource TestSource = new(TestSourceName);

    private static readonly ConcurrentQueue<Activity> Stopped = new();
    private static readonly ActivityListener Listener = CreateListener();

    public static void EnsureStarted() => GC.KeepAlive(Listener);

    /// <summary>Stopped activities of one trace.</summary>
    public static IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) =>
        Stopped.Where(a => a.TraceId == traceId).ToList();

    /// <summary>Waits (bounded) for a stopped activity to match (server activities stop after the response).</summary>
    public static async Task<Activity> WaitForAsync(Func<Activity, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var match = Stopped.FirstOrDefault(predicate);
            if (match is not null)
            {
                return match;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("No matching activity was stopped in time.");
            }

            await Task.Delay(20);
        }
    }

    private static ActivityListener CreateListener()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is TestSourceName or GrpcDiagnostics.ActivitySourceName or "Microsoft.AspNetCore" or "System.Net.Http",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
