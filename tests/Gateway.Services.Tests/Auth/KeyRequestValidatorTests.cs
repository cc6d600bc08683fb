using Gateway.Auth.Keys;

namespace Gateway.Services.Tests.Auth;

public sealed class KeyRequestValidatorTests
{
    [Theory]
    [InlineData("acme")]
    [InlineData("Acme-Corp_2.eu")]
    [InlineData("0")]
    public void ValidateTenantId_Good_Null(string tenantId) => Assert.Null(KeyRequestValidator.ValidateTenantId(tenantId));

    [Theory]
    [InlineData("")]
    [InlineData("-acme")]
    [InlineData("acme corp")]
    [InlineData("acme:corp")]
    [InlineData("acmé")]
    [InlineData("a{b}")]
    public void ValidateTenantId_Bad_Reason(string tenantId) => Assert.NotNull(KeyRequestValidator.ValidateTenantId(tenantId));

    [Fact]
    public void ValidateTenantId_TooLong_Reason()
    {
        Assert.Null(KeyRequestValidator.ValidateTenantId(new string('a', 64)));
        Assert.NotNull(KeyRequestValidator.ValidateTenantId(new string('a', 65)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("naïve")]
    public void ValidateName_Bad_Reason(string name) => Assert.NotNull(KeyRequestValidator.ValidateName(name));

    [Fact]
    public void ValidateName_PrintableUpTo100_Null()
    {
        Assert.Null(KeyRequestValidator.ValidateName("CI key (prod) #2: deploy@example.com"));
        Assert.Null(KeyRequestValidator.ValidateName(new string('n', 100)));
        Assert.NotNull(KeyRequestValidator.ValidateName(new string('n', 101)));
    }

    [Fact]
    public void ValidateAllowedModels_Rules()
    {
        Assert.Null(KeyRequestValidator.ValidateAllowedModels([]));
        Assert.Null(KeyRequestValidator.ValidateAllowedModels(["sim-gpt", "openai/gpt-4.1"]));
        Assert.NotNull(KeyRequestValidator.ValidateAllowedModels([""]));
        Assert.NotNull(KeyRequestValidator.ValidateAllowedModels(["has space"]));
        Assert.NotNull(KeyRequestValidator.ValidateAllowedModels(Enumerable.Repeat("m", 257).ToList()));
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(1_000_000, true)]
    [InlineData(1_000_001, false)]
    public void ValidateRpmLimit_Range(int rpm, bool valid) =>
        Assert.Equal(valid, KeyRequestValidator.ValidateRpmLimit(rpm) is null);
}
