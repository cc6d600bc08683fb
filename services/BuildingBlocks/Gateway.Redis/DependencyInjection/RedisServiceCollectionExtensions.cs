using Gateway.Redis.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Redis;

public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// Registers the shared Redis connection from <c>ConnectionStrings:{name}</c> (environment: <c>ConnectionStrings__{name}</c>):
    /// <see cref="RedisOptions"/> (validated when the host starts: a missing or malformed connection string stops the
    /// start with a clear message), a singleton <see cref="IRedisConnectionProvider"/>, a singleton
    /// <see cref="RedisConnection"/> that connects in the background (started with the host, never blocking it), and the
    /// health check "redis" (PING) tagged "ready".
    /// </summary>
    public static IServiceCollection AddRedis(this IServiceCollection services, string connectionStringName = "Redis")
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionStringName);

        services.AddOptions<RedisOptions>()
            .Configure<IConfiguration>((options, configuration) => Bind(options, configuration, connectionStringName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisOptions>>(sp =>
            new RedisOptionsValidator(sp.GetRequiredService<IConfiguration>(), connectionStringName));

        services.TryAddSingleton<IRedisConnectionProvider, RedisConnectionProvider>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IRedisConnectionProvider>().Connection);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisConnectionStarter>());
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return services;
    }

    private static void Bind(RedisOptions options, IConfiguration configuration, string name)
    {
        var connectionString = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return; // reported by RedisOptionsValidator
        }

        RedisOptions parsed;
        try
        {
            parsed = RedisOptions.Parse(connectionString);
        }
        catch (FormatException ex)
        {
            throw new OptionsValidationException(name, typeof(RedisOptions), [$"ConnectionStrings:{name} is invalid: {ex.Message}"]);
        }

        options.Host = parsed.Host;
        options.Port = parsed.Port;
        options.User = parsed.User;
        options.Password = parsed.Password;
        options.Database = parsed.Database;
        options.ConnectTimeout = parsed.ConnectTimeout;
        options.CommandTimeout = parsed.CommandTimeout;
        options.ClientName = parsed.ClientName;
    }
}
