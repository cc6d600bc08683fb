using Gateway.AppHost;
using Gateway.AppHost.Hosting;

// The local stack: redis-server, a private RabbitMQ node, the simulator and the five services as processes on
// 127.0.0.1, wired with the environment variables of docs/configuration.md. The declaration itself is
// GatewayStack.Define, shared with the functional tests' GatewayStackFixture. Options: --help.
var builder = DistributedApplication.CreateBuilder(args);
var options = GatewayStackOptions.FromEnvironment();
var stack = GatewayStack.Define(builder, options);

await using var app = builder.Build();
return await app.RunAsync((app, ct) => GatewayStack.PrintWelcomeAsync(app, stack, options, ct));
