namespace Gateway.FunctionalTests;

internal static class Eventually
{
    /// <summary>
    /// Polls <paramref name="probe"/> until it returns a value that satisfies <paramref name="done"/>, and fails the
    /// test with <paramref name="what"/> and the last value seen when <paramref name="timeout"/> passes.
    /// Usage travels through RabbitMQ and Metering, so it is visible some time after the response.
    /// </summary>
    public static async Task<T> WaitForAsync<T>(
        Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var last = await probe();
        while (!done(last))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}; last value: {last}");
            }

            await Task.Delay(100);
            last = await probe();
        }

        return last;
    }
}
