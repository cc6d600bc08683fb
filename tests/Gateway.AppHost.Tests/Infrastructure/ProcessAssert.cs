using Gateway.AppHost.Hosting;

namespace Gateway.AppHost.Tests.Infrastructure;

internal static class ProcessAssert
{
    /// <summary>
    /// Asserts that none of <paramref name="pids"/> runs (zombies count as gone). Waits up to <paramref name="within"/>
    /// (default: not at all) for processes the kernel is still tearing down, then fails naming the survivors.
    /// </summary>
    public static async Task AllGoneAsync(IEnumerable<int> pids, TimeSpan? within = null)
    {
        var list = pids.ToList();
        Assert.NotEmpty(list);
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.Zero);
        List<int> alive;
        while ((alive = list.Where(pid => UnixProcess.IsRunning(pid)).ToList()).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(alive.Count == 0, $"Still running: {string.Join(", ", alive.Select(Describe))}");
    }

    public static string Describe(int pid) => $"{pid} ({string.Join(' ', UnixProcess.GetCommandLine(pid).Take(3))})";
}
