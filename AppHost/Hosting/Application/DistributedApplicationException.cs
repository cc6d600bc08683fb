namespace Gateway.AppHost.Hosting;

/// <summary>The application could not start: a build failed, a project is missing, or a resource failed or timed out.</summary>
public sealed class DistributedApplicationException(string message, string? resourceName = null, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The resource that failed, when one did.</summary>
    public string? ResourceName { get; } = resourceName;
}
