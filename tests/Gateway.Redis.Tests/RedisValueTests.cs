namespace Gateway.Redis.Tests;

public sealed class RedisValueTests
{
    [Fact]
    public void Default_IsNull()
    {
        RedisValue value = default;

        Assert.True(value.IsNull);
        Assert.True(value.IsNullOrEmpty);
        Assert.False(value.HasValue);
        Assert.Equal(string.Empty, value.ToString());
        Assert.Null((string?)value);
        Assert.Null(value.ToByteArray());
        Assert.Equal(RedisValue.Null, value);
    }

    [Fact]
    public void ImplicitConversions_FromNullReferences_GiveNull()
    {
        Assert.True(((RedisValue)(string?)null).IsNull);
        Assert.True(((RedisValue)(byte[]?)null).IsNull);
    }

    [Fact]
    public void Numbers_RoundTripThroughTextAndParsing()
    {
        RedisValue integer = 42;
        RedisValue big = long.MinValue;
        RedisValue real = 0.1;

        Assert.Equal("42", integer.ToString());
        Assert.True(integer.IsInteger);
        Assert.Equal(long.MinValue, big.ToInt64());
        Assert.Equal(0.1, real.ToDouble());
        Assert.Equal("+inf", ((RedisValue)double.PositiveInfinity).ToString());
        Assert.Equal(double.NegativeInfinity, ((RedisValue)"-inf").ToDouble());
        Assert.Equal(17, ((RedisValue)"17"u8.ToArray()).ToInt64());
        Assert.Equal(2.5, ((RedisValue)"2.5"u8.ToArray()).ToDouble());
    }

    [Fact]
    public void ToInt64_NullOrText_ThrowsInvalidCast()
    {
        Assert.Throws<InvalidCastException>(() => RedisValue.Null.ToInt64());
        Assert.Throws<InvalidCastException>(() => ((RedisValue)"abc").ToInt64());
        Assert.Throws<InvalidCastException>(() => ((RedisValue)1.5).ToInt64());
        Assert.False(((RedisValue)""u8.ToArray()).TryParse(out long _));
    }

    [Fact]
    public void Equality_ComparesWireBytesAcrossKinds()
    {
        Assert.Equal((RedisValue)5, (RedisValue)"5");
        Assert.Equal((RedisValue)"héllo", (RedisValue)"héllo"u8.ToArray());
        Assert.Equal(((RedisValue)"héllo").GetHashCode(), ((RedisValue)"héllo"u8.ToArray()).GetHashCode());
        Assert.Equal(((RedisValue)12).GetHashCode(), ((RedisValue)"12").GetHashCode());
        Assert.NotEqual((RedisValue)"5", (RedisValue)"05");
        Assert.NotEqual(RedisValue.Null, RedisValue.EmptyString);
    }

    [Fact]
    public void Bytes_AreNotCopiedAndSlicesAreRespected()
    {
        var array = new byte[] { 1, 2, 3, 4, 5 };

        RedisValue whole = array;
        RedisValue slice = new ReadOnlyMemory<byte>(array, 1, 3);

        Assert.Same(array, whole.ToByteArray());
        Assert.Equal(new byte[] { 2, 3, 4 }, slice.ToByteArray());
        Assert.True(slice.AsMemory().Span.SequenceEqual(new byte[] { 2, 3, 4 }));
    }
}
