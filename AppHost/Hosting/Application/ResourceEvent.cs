namespace Gateway.AppHost.Hosting;

public enum ResourceState
{
    /// <summary>Waiting for its WaitFor dependencies to become healthy.</summary>
    Waiting,

    /// <summary>Its process was started; waiting for the health check.</summary>
    Starting,

    Healthy,

    /// <summary>Failed to start or to become healthy.</summary>
    Failed,

    /// <summary>Exited while it should have been running.</summary>
    Exited,

    Stopping,

    Stopped,
}

/// <summary>One state change of one resource, in the order they happened.</summary>
public sealed record ResourceEvent(string Resource, ResourceState State, IReadOnlyList<int> ProcessIds, string? Detail, DateTimeOffset At);
