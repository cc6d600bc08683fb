using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.Tests.Behaviour;

public sealed class DirectivesTests
{
    [Fact]
    public void TryApply_AllKeys_SetsEveryValue()
    {
        var overrides = default(PlanOverrides);

        var ok = Directives.TryApply("please [sim ttft=200 itl=5 tokens=40 fault=drop:3] thanks", ref overrides, out var error);

        Assert.True(ok, error);
        Assert.Equal(200, overrides.TimeToFirstTokenMs);
        Assert.Equal(5, overrides.InterTokenDelayMs);
        Assert.Equal(40, overrides.OutputTokens);
        Assert.Equal(new Fault(FaultKind.Drop, 3), overrides.Fault);
    }

    [Fact]
    public void TryApply_TwoDirectives_LaterValueWins()
    {
        var overrides = default(PlanOverrides);

        Assert.True(Directives.TryApply("[sim tokens=4 itl=9] then [SIM tokens=6]", ref overrides, out _));

        Assert.Equal(6, overrides.OutputTokens);
        Assert.Equal(9, overrides.InterTokenDelayMs);
    }

    [Theory]
    [InlineData("no directive here")]
    [InlineData("[simulate tokens=3]")]
    [InlineData("[sim tokens=3")]
    [InlineData("[sim]")]
    public void TryApply_NotADirectiveOrEmpty_ChangesNothing(string text)
    {
        var overrides = default(PlanOverrides);

        Assert.True(Directives.TryApply(text, ref overrides, out _));

        Assert.Null(overrides.OutputTokens);
        Assert.Null(overrides.Fault);
    }

    [Theory]
    [InlineData("[sim tokens=abc]")]
    [InlineData("[sim tokens=2000000]")]
    [InlineData("[sim ttft=-5]")]
    [InlineData("[sim color=blue]")]
    [InlineData("[sim tokens]")]
    [InlineData("[sim fault=status:600]")]
    public void TryApply_InvalidPair_FailsWithError(string text)
    {
        var overrides = default(PlanOverrides);

        Assert.False(Directives.TryApply(text, ref overrides, out var error));
        Assert.Contains("Invalid simulator directive", error);
    }

    [Theory]
    [InlineData("none", "none")]
    [InlineData("stall", "stall")]
    [InlineData("GARBAGE", "garbage")]
    [InlineData("status:429", "status:429")]
    [InlineData(" status:503 ", "status:503")]
    [InlineData("drop:0", "drop:0")]
    [InlineData("Drop:12", "drop:12")]
    public void FaultTryParse_Valid_ParsesToCanonicalForm(string text, string canonical)
    {
        Assert.True(Fault.TryParse(text, out var fault));
        Assert.Equal(canonical, fault.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("status")]
    [InlineData("status:200")]
    [InlineData("status:abc")]
    [InlineData("drop:-1")]
    [InlineData("explode")]
    public void FaultTryParse_Invalid_Fails(string text) => Assert.False(Fault.TryParse(text, out _));
}
