using Gateway.Ingress.Tests.Fakes;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Ingress.Tests.Hosting;

public sealed class StartupValidationTests
{
    private static Dictionary<string, string?> ValidSettings() => new()
    {
        ["Kestrel:Endpoints:Public:Url"] = "http://127.0.0.1:0",
        ["Kestrel:Endpoints:Admin:Url"] = "http://127.0.0.1:0",
        ["Ingress:AdminToken"] = IngressFixture.AdminToken,
        ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
    };

    private static async Task<Exception?> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = IngressApp.CreateBuilder([], settings);
        builder.Logging.ClearProviders();
        var fakes = new FakeDependencies("http://127.0.0.1:1/v1", "http://127.0.0.1:1/v1", "k");
        builder.Services.AddIngressDependencies(fakes, fakes, fakes, fakes, fakes);
        builder.Services.AddMassTransitTestHarness(TextWriter.Null);
        try
        {
            // Options are validated when the app is built and mapped (or, at the latest, when it starts).
            await using var app = IngressApp.Build(builder);
            await app.StartAsync();
            await app.StopAsync();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    [Fact]
    public async Task Start_ValidConfiguration_Starts() => Assert.Null(await StartAsync(ValidSettings()));

    [Theory]
    [InlineData("Ingress:AdminToken", null, "Ingress:AdminToken")]
    [InlineData("Ingress:AdminToken", "short-token", "at least 16")]
    [InlineData("Kestrel:Endpoints:Admin:Url", null, "Kestrel:Endpoints:Admin:Url")]
    [InlineData("Kestrel:Endpoints:Public:Url", null, "Kestrel:Endpoints:Public:Url")]
    [InlineData("Ingress:StreamIdleTimeoutSeconds", "0", "StreamIdleTimeoutSeconds")]
    [InlineData("Ingress:MaxRequestBodyBytes", "-5", "MaxRequestBodyBytes")]
    [InlineData("Ingress:BasePath", "llm-api", "must start with '/'")]
    [InlineData("Ingress:BasePath", "/llm-api/", "must not end with '/'")]
    [InlineData("Ingress:BasePath", "/", "must not end with '/'")]
    [InlineData("Ingress:BasePath", "/llm api", "printable ASCII")]
    [InlineData("Ingress:UsageBatchMaxEvents", "0", "UsageBatchMaxEvents must be 1-4096")]
    [InlineData("Ingress:UsageBatchMaxEvents", "5000", "UsageBatchMaxEvents must be 1-4096")]
    [InlineData("Ingress:UsageBatchLingerMs", "-1", "UsageBatchLingerMs must be 0-1000")]
    [InlineData("Ingress:UsageSpillMaxBytes", "1000", "UsageSpillMaxBytes must be at least")]
    [InlineData("Ingress:UsageSpillDirectory", "relative/spill", "UsageSpillDirectory must be an absolute path")]
    [InlineData("Ingress:QuotaLeaseMax", "-1", "QuotaLeaseMax must be between 0 and 1000")]
    [InlineData("Ingress:QuotaLeaseMax", "1001", "QuotaLeaseMax must be between 0 and 1000")]
    [InlineData("Ingress:QuotaLeaseTtlMs", "10", "QuotaLeaseTtlMs must be between 50 and 10000")]
    [InlineData("Ingress:QuotaLeaseTtlMs", "60000", "QuotaLeaseTtlMs must be between 50 and 10000")]
    [InlineData("Ingress:QuotaLeaseRpmPercent", "0", "QuotaLeaseRpmPercent must be between 1 and 100")]
    [InlineData("Ingress:QuotaLeaseRpmPercent", "101", "QuotaLeaseRpmPercent must be between 1 and 100")]
    public async Task Start_InvalidSetting_FailsWithAClearMessage(string key, string? value, string expected)
    {
        var settings = ValidSettings();
        settings[key] = value;
        var error = await StartAsync(settings);
        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(expected, validation.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "ConnectionStrings:RabbitMq")]
    [InlineData("not a uri", "amqp://")]
    [InlineData("http://user:s3cret@host/", "amqp://")]
    public void CreateBuilder_BadRabbitMqConnectionString_FailsWithoutEchoingIt(string? value, string expected)
    {
        var settings = ValidSettings();
        settings["ConnectionStrings:RabbitMq"] = value;
        var error = Assert.Throws<InvalidOperationException>(() => IngressApp.CreateBuilder([], settings));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_WithoutDependencyAdapters_NamesWhatIsMissing()
    {
        var builder = IngressApp.CreateBuilder([], ValidSettings());
        var error = Assert.Throws<InvalidOperationException>(() => IngressApp.Build(builder));
        Assert.Contains("IKeyVerifier", error.Message, StringComparison.Ordinal);
        Assert.Contains("IUsageReader", error.Message, StringComparison.Ordinal);
    }
}
