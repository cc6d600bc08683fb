namespace Gateway.ServiceDefaults.Health;

public static class HealthTags
{
    /// <summary>Checks that must pass before the service takes traffic (/health/ready and gRPC health).</summary>
    public const string Ready = "ready";
}
