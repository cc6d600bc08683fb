using Gateway.Grpc.Protocol;

namespace Gateway.Grpc.Tests.Protocol;

public sealed class GrpcTimeoutTests
{
    public static TheoryData<string, TimeSpan> ValidValues => new()
    {
        { "1H", TimeSpan.FromHours(1) },
        { "99999999H", TimeSpan.FromHours(99_999_999) },
        { "2M", TimeSpan.FromMinutes(2) },
        { "30S", TimeSpan.FromSeconds(30) },
        { "0S", TimeSpan.Zero },
        { "250m", TimeSpan.FromMilliseconds(250) },
        { "1500u", TimeSpan.FromTicks(15_000) },
        { "100n", TimeSpan.FromTicks(1) },
        { "150n", TimeSpan.FromTicks(2) }, // rounded up, never shortened
        { "1n", TimeSpan.FromTicks(1) },
        { "00000010S", TimeSpan.FromSeconds(10) },
    };

    [Theory]
    [MemberData(nameof(ValidValues))]
    public void TryParse_EveryUnit_GivesTheDuration(string value, TimeSpan expected)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(expected, timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("10h")]
    [InlineData("10x")]
    [InlineData("-1S")]
    [InlineData("+1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    [InlineData("1 S")]
    [InlineData("123456789S")]
    public void TryParse_Malformed_IsRejected(string value)
    {
        Assert.False(GrpcTimeout.TryParse(value, out _));
    }

    [Theory]
    [InlineData(0L, "0n")]
    [InlineData(1L, "100n")]
    [InlineData(999_999L, "99999900n")]
    [InlineData(1_000_000L, "100000u")]
    [InlineData(TimeSpan.TicksPerSecond * 30, "30000000u")]
    [InlineData(TimeSpan.TicksPerMinute * 5, "300000m")]
    [InlineData(TimeSpan.TicksPerDay * 2, "172800S")]
    [InlineData(TimeSpan.TicksPerDay * 2000, "2880000M")]
    public void Format_PicksFinestUnitWithinEightDigits(long ticks, string expected)
    {
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(12_345L)]
    [InlineData(TimeSpan.TicksPerSecond * 7 + 3)]
    [InlineData(TimeSpan.TicksPerHour * 5 + 17)]
    [InlineData(TimeSpan.TicksPerDay * 400)]
    public void Format_ThenParse_NeverShortensAndStaysWithinEightDigits(long ticks)
    {
        var timeout = TimeSpan.FromTicks(ticks);

        var formatted = GrpcTimeout.Format(timeout);

        Assert.InRange(formatted.Length, 2, 9);
        Assert.True(GrpcTimeout.TryParse(formatted, out var parsed), formatted);
        Assert.True(parsed >= timeout, $"{formatted} parsed to {parsed}, shorter than {timeout}");
    }

    [Fact]
    public void Format_Negative_IsZero()
    {
        Assert.Equal("0n", GrpcTimeout.Format(TimeSpan.FromSeconds(-3)));
    }
}
