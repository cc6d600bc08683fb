namespace Gateway.AppHost.Hosting;

/// <summary>What to start and how to treat its output. See <see cref="ManagedProcess.Start"/>.</summary>
public sealed class ManagedProcessStartInfo
{
    /// <summary>Executable: a path, or a name looked up on PATH.</summary>
    public required string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Defaults to the current directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Added to (or, with a null value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Short name used as the output prefix (<c>[name] line</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Receives every output line (stdout and stderr), already prefixed with <c>[name] </c>. Null: not echoed.</summary>
    public Action<string>? Output { get; init; }

    /// <summary>When set, every output line is also appended, unprefixed, to this file (created or truncated).</summary>
    public string? LogFilePath { get; init; }

    /// <summary>How many recent lines to keep for <see cref="ManagedProcess.GetLastLines"/> and line waits.</summary>
    public int RetainedLines { get; init; } = 500;

    /// <summary>
    /// Start the child in its own session (setsid) so a terminal's Ctrl+C reaches only the orchestrator, which then
    /// stops children in order. Default true.
    /// </summary>
    public bool NewSession { get; init; } = true;

    /// <summary>
    /// Ask the kernel to SIGKILL the child when this process dies (setpriv --pdeathsig), the guard for crashes and
    /// SIGKILL of the orchestrator. Default true. Ignored when setpriv is not installed.
    /// </summary>
    public bool KillOnParentExit { get; init; } = true;
}
