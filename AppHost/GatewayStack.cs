using Gateway.AppHost.Hosting;

namespace Gateway.AppHost;

/// <summary>The resources of the gateway stack, as declared by <see cref="GatewayStack.Define"/>.</summary>
public sealed record GatewayStackResources(
    IResourceBuilder<RedisResource> Redis,
    IResourceBuilder<RabbitMqResource> RabbitMq,
    IResourceBuilder<ProjectResource> Simulator,
    IResourceBuilder<ProjectResource> Auth,
    IResourceBuilder<ProjectResource> Quota,
    IResourceBuilder<ProjectResource> Routing,
    IResourceBuilder<ProjectResource> Metering,
    IResourceBuilder<ProjectResource> Ingress)
{
    /// <summary>The Ingress public listener, e.g. <c>http://127.0.0.1:5080</c> (valid after Build()).</summary>
    public Uri PublicBaseAddress => new(Ingress.Resource.GetEndpoint("Public").Url);

    /// <summary>The Ingress admin listener, e.g. <c>http://127.0.0.1:5081</c> (valid after Build()).</summary>
    public Uri AdminBaseAddress => new(Ingress.Resource.GetEndpoint("Admin").Url);
}

/// <summary>
/// The one definition of the local stack: the AppHost runs it, and the functional tests' GatewayStackFixture runs
/// the same definition with free ports, so the tests exercise exactly what users run.
/// </summary>
public static class GatewayStack
{
    public static GatewayStackResources Define(DistributedApplicationBuilder builder, GatewayStackOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var catalog = Path.GetFullPath(options.CatalogPath, builder.Options.ResolveRepositoryRoot() ?? Environment.CurrentDirectory);

        var redis = builder.AddRedis("redis");
        var rabbit = builder.AddRabbitMQ("rabbitmq");

        var simulator = builder.AddProject("simulator", "services/Gateway.Simulator")
            .WithHttpEndpoint("Http")
            .WithEnvironment("Simulator__RequiredApiKey", options.SimulatorApiKey);

        var auth = builder.AddProject("auth", "services/Gateway.Auth")
            .WithGrpcEndpoint()
            .WithReference(redis).WaitFor(redis)
            .WithEnvironment("Auth__KeyPepper", options.KeyPepper);

        var quota = builder.AddProject("quota", "services/Gateway.Quota")
            .WithGrpcEndpoint()
            .WithReference(redis).WaitFor(redis);

        var routing = builder.AddProject("routing", "services/Gateway.Routing")
            .WithGrpcEndpoint()
            .WithReference(redis).WaitFor(redis)
            .WithEnvironment("Routing__CatalogPath", catalog)
            .WithEnvironment("SIMULATOR_BASE_URL", simulator)
            .WithEnvironment("SIMULATOR_API_KEY", options.SimulatorApiKey);

        var metering = builder.AddProject("metering", "services/Gateway.Metering")
            .WithGrpcEndpoint()
            .WithReference(redis).WaitFor(redis)
            .WithReference(rabbit).WaitFor(rabbit);

        var ingress = builder.AddProject("ingress", "services/Gateway.Ingress")
            .WithHttpEndpoint("Public", port: options.PublicPort)
            .WithHttpEndpoint("Admin", port: options.AdminPort)
            .WithReference(auth).WaitFor(auth)
            .WithReference(quota).WaitFor(quota)
            .WithReference(routing).WaitFor(routing)
            .WithReference(metering).WaitFor(metering)
            .WithReference(rabbit).WaitFor(rabbit)
            .WithEnvironment("Ingress__AdminToken", options.AdminToken)
            // The usage journal (events RabbitMQ could not take) belongs to this stack: under its state directory,
            // kept between runs of the default .stack so a later start replays it, never shared with another stack.
            // (Resolved when the processes start; inspecting the environment before a start shows the configured
            // state directory, or the temporary directory's parent.)
            .WithEnvironment("Ingress__UsageSpillDirectory", () => Path.Combine(
                builder.Options.ResolvedStateDirectory ?? builder.Options.StateDirectory ?? Path.GetTempPath(),
                "usage-spill"));

        return new GatewayStackResources(redis, rabbit, simulator, auth, quota, routing, metering, ingress);
    }

    /// <summary>
    /// After a start: when Ingress runs, creates a demo key through the admin API and prints the base URL, admin URL
    /// and token, the key and a curl command; otherwise prints the running infrastructure's addresses.
    /// </summary>
    public static async Task PrintWelcomeAsync(
        DistributedApplication app, GatewayStackResources stack, GatewayStackOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var output = app.Options.Output ?? Console.WriteLine;
        var running = app.SelectedResources;
        if (!running.Contains(stack.Ingress.Resource))
        {
            output("");
            foreach (var resource in running.OfType<ConnectionStringResource>())
            {
                output($"  {resource.Name,-10} {resource.GetConnectionString()}");
            }

            output("");
            return;
        }

        var publicBase = stack.PublicBaseAddress;
        var adminBase = stack.AdminBaseAddress;
        string? demoKey = null;
        string? demoKeyId = null;
        try
        {
            using var admin = new GatewayAdminClient(adminBase, options.AdminToken);
            var created = await admin.CreateKeyAsync("demo", "demo", rpmLimit: null, cancellationToken).ConfigureAwait(false);
            (demoKey, demoKeyId) = (created.ApiKey, created.KeyId);
        }
        catch (Exception ex) when (ex is HttpRequestException or GatewayAdminException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            output($"[apphost] warning: could not create the demo key through {adminBase}admin/keys: {ex.Message}");
        }

        var baseUrl = new Uri(publicBase, "v1").ToString();
        output("");
        output("  The gateway is running.");
        output($"  Base URL     {baseUrl}");
        output($"  Admin URL    {adminBase}  (Authorization: Bearer <admin token>)");
        output($"  Admin token  {options.AdminToken}");
        output($"  Demo key     {demoKey ?? "(not created: see the warning above)"}{(demoKeyId is null ? "" : $"  (id {demoKeyId})")}");
        output("");
        output("  Stream a completion from the simulator:");
        output($"    curl -N {baseUrl}/chat/completions \\");
        output($"      -H \"Authorization: Bearer {demoKey ?? "<key>"}\" -H \"Content-Type: application/json\" \\");
        output($"      -d '{{\"model\":\"{GatewayStackOptions.DemoModel}\",\"stream\":true,\"messages\":[{{\"role\":\"user\",\"content\":\"Hello!\"}}]}}'");
        output("");
        output("  Then read that key's usage (it arrives through RabbitMQ and Metering within a moment):");
        output($"    curl {adminBase}admin/keys/{demoKeyId ?? "<key id>"}/usage -H \"Authorization: Bearer {options.AdminToken}\"");
        output("");
        output($"  Logs: {app.LogDirectory}");
        output("");
    }
}
