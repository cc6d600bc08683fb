namespace Gateway.Simulator.Behaviour;

/// <summary>Upper bounds for values set by configuration, headers and directives.</summary>
internal static class Limits
{
    public const int MaxDelayMs = 3_600_000;
    public const int MaxTokens = 1_000_000;
}
