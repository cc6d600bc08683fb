using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Redis.DependencyInjection;

/// <summary>Runs when the host starts (ValidateOnStart): the connection string must be present and its values in range.</summary>
internal sealed class RedisOptionsValidator(IConfiguration configuration, string connectionStringName) : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(connectionStringName)))
        {
            return ValidateOptionsResult.Fail(
                $"ConnectionStrings:{connectionStringName} is not set. Set the environment variable ConnectionStrings__{connectionStringName} to host:port[,password=...][,db=N].");
        }

        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"ConnectionStrings:{connectionStringName} is invalid: {ex.Message}");
        }
    }
}
