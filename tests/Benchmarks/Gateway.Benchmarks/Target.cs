namespace Gateway.Benchmarks;

/// <summary>One process of a target whose CPU time and RSS are read from /proc.</summary>
internal sealed record TargetProcess(string Name, Func<IReadOnlyList<int>> Pids);

/// <summary>
/// Something the load is sent to: a base URL (<c>{BaseUrl}/v1/chat/completions</c>), the headers it needs, and the
/// processes that do its work (the upstream simulator is measured separately, as its own target).
/// </summary>
internal sealed record Target(
    string Name,
    Uri BaseUrl,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    IReadOnlyList<TargetProcess> Processes)
{
    public Uri ChatUrl => new(BaseUrl, "v1/chat/completions");
}

/// <summary>A target that could not be measured, and why (printed in the table).</summary>
internal sealed record SkippedTarget(string Name, string Reason);
