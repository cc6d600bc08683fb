namespace Gateway.Translation.Tests;

public sealed class WireTests
{
    [Fact]
    public void Wire_HasThreeKinds_OnePerProtocol() =>
        Assert.Equal(3, Enum.GetValues<Wire>().Length);
}
