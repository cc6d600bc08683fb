namespace Gateway.AppHost.Hosting;

/// <summary>Thrown by a wait on a <see cref="ManagedProcess"/> when the process exits before the awaited condition.</summary>
public sealed class ManagedProcessExitedException(string name, int exitCode, IReadOnlyList<string> lastLines)
    : Exception(FormatMessage(name, exitCode, lastLines))
{
    public string ProcessName { get; } = name;

    public int ExitCode { get; } = exitCode;

    public IReadOnlyList<string> LastLines { get; } = lastLines;

    private static string FormatMessage(string name, int exitCode, IReadOnlyList<string> lastLines) =>
        lastLines.Count == 0
            ? $"'{name}' exited with code {exitCode} and printed nothing."
            : $"'{name}' exited with code {exitCode}. Last output:{System.Environment.NewLine}  "
              + string.Join(System.Environment.NewLine + "  ", lastLines);
}
