namespace Gateway.Ingress.Dependencies;

/// <summary>
/// A dependency (Auth, Quota, Routing, Metering) is down or did not answer within its deadline. Adapters throw it for
/// gRPC UNAVAILABLE and DEADLINE_EXCEEDED; the Ingress also throws it itself when a call outlives its deadline.
/// The client gets a 503.
/// </summary>
public sealed class DependencyUnavailableException(string dependency, Exception? inner)
    : Exception($"The {dependency} service is unavailable.", inner)
{
    /// <summary>Which dependency failed: one of <see cref="DependencyNames"/>.</summary>
    public string Dependency { get; } = dependency;
}

/// <summary>
/// A dependency refused a request as invalid (gRPC INVALID_ARGUMENT), e.g. Auth rejecting an rpm limit out of range.
/// <see cref="Exception.Message"/> is the dependency's own explanation, safe to show to the admin who sent it.
/// </summary>
public sealed class DependencyRejectedException(string dependency, string message, Exception? inner)
    : Exception(message, inner)
{
    public string Dependency { get; } = dependency;
}

/// <summary>The names the Ingress uses for its dependencies (in errors, logs and metrics).</summary>
public static class DependencyNames
{
    public const string Auth = "auth";
    public const string Quota = "quota";
    public const string Routing = "routing";
    public const string Metering = "metering";
}
