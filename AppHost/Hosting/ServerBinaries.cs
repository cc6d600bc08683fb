namespace Gateway.AppHost.Hosting;

/// <summary>
/// Where the Debian server binaries live. Each path can be overridden (tests point one at a missing file to check
/// the install hint); by default redis-server and epmd are looked up on PATH and RabbitMQ at its Debian location.
/// </summary>
public sealed record ServerBinaries
{
    /// <summary>The one command that installs both servers, printed whenever one is missing.</summary>
    public const string InstallCommand =
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends redis-server rabbitmq-server";

    /// <summary>
    /// The script that starts a node in the foreground. Call it directly: the /usr/sbin wrapper switches user and
    /// loses the per-node cookie (environment.md).
    /// </summary>
    public const string DebianRabbitMqServer = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    public static ServerBinaries Default { get; } = new();

    /// <summary>redis-server; null: PATH, then /usr/bin and /usr/sbin.</summary>
    public string? RedisServer { get; init; }

    /// <summary>rabbitmq-server; null: <see cref="DebianRabbitMqServer"/>.</summary>
    public string? RabbitMqServer { get; init; }

    /// <summary>epmd (installed with Erlang, a dependency of rabbitmq-server); null: PATH, then /usr/lib/erlang/bin.</summary>
    public string? Epmd { get; init; }

    /// <summary>The redis-server path, or throws <see cref="PrerequisiteMissingException"/> with the install hint.</summary>
    public string GetRedisServer() =>
        Existing(RedisServer ?? ManagedProcess.FindOnPath("redis-server"), "redis-server", RedisServer);

    /// <summary>The rabbitmq-server path, or throws <see cref="PrerequisiteMissingException"/> with the install hint.</summary>
    public string GetRabbitMqServer() =>
        Existing(RabbitMqServer ?? DebianRabbitMqServer, "rabbitmq-server", RabbitMqServer ?? DebianRabbitMqServer);

    /// <summary>The epmd path, or throws <see cref="PrerequisiteMissingException"/> with the install hint.</summary>
    public string GetEpmd() =>
        Existing(Epmd ?? ManagedProcess.FindOnPath("epmd") ?? "/usr/lib/erlang/bin/epmd", "epmd (from erlang, installed with rabbitmq-server)", Epmd);

    private static string Existing(string? path, string what, string? configured)
    {
        if (path is not null && File.Exists(path))
        {
            return path;
        }

        throw new PrerequisiteMissingException(what, configured ?? path);
    }
}

/// <summary>A server binary the hosting layer needs is not installed. The message says how to install it.</summary>
public sealed class PrerequisiteMissingException(string what, string? lookedAt) : Exception(
    $"{what} is not installed{(lookedAt is null ? "" : $" (looked for {lookedAt})")}. Install it with:{Environment.NewLine}"
    + $"  {ServerBinaries.InstallCommand}")
{
    public string Prerequisite { get; } = what;
}
