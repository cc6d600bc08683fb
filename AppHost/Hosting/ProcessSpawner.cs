using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gateway.AppHost.Hosting;

/// <summary>
/// Starts every child process from one dedicated, never-ending thread.
/// </summary>
/// <remarks>
/// Children are started under <c>setpriv --pdeathsig KILL</c> so the kernel kills them when their parent dies,
/// even when the parent is killed with SIGKILL and no cleanup code runs. The kernel sends that signal when the
/// parent <em>thread</em> that forked the child exits, not the process: forking from a thread-pool thread (which
/// retires when idle) would kill children at random. Forking from this thread, which lives as long as the
/// process, ties the children to the process.
/// </remarks>
internal static class ProcessSpawner
{
    private static readonly BlockingCollection<WorkItem> s_queue = [];
    private static readonly Thread s_thread = CreateThread();

    /// <summary>Calls <see cref="Process.Start()"/> on the spawner thread and waits for it.</summary>
    public static void Start(Process process)
    {
        if (Thread.CurrentThread == s_thread)
        {
            process.Start();
            return;
        }

        var item = new WorkItem(process);
        s_queue.Add(item);
        item.Completion.Task.GetAwaiter().GetResult();
    }

    private static Thread CreateThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "ManagedProcess spawner" };
        thread.Start();
        return thread;
    }

    private static void Run()
    {
        foreach (var item in s_queue.GetConsumingEnumerable())
        {
            try
            {
                item.Process.Start();
                item.Completion.SetResult();
            }
            catch (Exception ex)
            {
                item.Completion.SetException(ex);
            }
        }
    }

    private sealed class WorkItem(Process process)
    {
        public Process Process { get; } = process;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
