namespace Gateway.Grpc.Tests.Core;

public sealed class MetadataTests
{
    [Fact]
    public void Add_UpperCaseKey_IsLowerCased()
    {
        var metadata = new Metadata().Add("X-Request-Id", "abc");

        Assert.Equal("x-request-id", metadata[0].Key);
        Assert.Equal("abc", metadata.GetValue("X-REQUEST-ID"));
    }

    [Theory]
    [InlineData("grpc-status")]
    [InlineData("grpc-custom")]
    [InlineData("te")]
    [InlineData("content-type")]
    [InlineData(":path")]
    [InlineData("host")]
    [InlineData("bad key")]
    [InlineData("bad/key")]
    [InlineData("")]
    public void Add_ReservedOrInvalidKey_Throws(string key)
    {
        Assert.ThrowsAny<ArgumentException>(() => new Metadata().Add(key, "v"));
    }

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("café")]
    [InlineData("tab\there")]
    public void Add_NonPrintableAsciiValue_Throws(string value)
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-key", value));
    }

    [Fact]
    public void Add_StringForBinaryKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data-bin", "text"));
    }

    [Fact]
    public void Add_BytesForAsciiKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data", [1, 2]));
    }

    [Fact]
    public void GetValueBytes_BinaryEntry_ReturnsTheBytes()
    {
        var metadata = new Metadata().Add("x-data-bin", [0, 255]);

        Assert.Equal([0, 255], metadata.GetValueBytes("x-data-bin"));
        Assert.True(metadata[0].IsBinary);
        Assert.Throws<InvalidOperationException>(() => metadata[0].Value);
        Assert.Throws<ArgumentException>(() => metadata.GetValue("x-data-bin"));
    }

    [Fact]
    public void GetValue_RepeatedKey_ReturnsTheLastAndGetAllReturnsEveryOne()
    {
        var metadata = new Metadata().Add("x-k", "1").Add("x-k", "2");

        Assert.Equal("2", metadata.GetValue("x-k"));
        Assert.Equal(["1", "2"], metadata.GetAll("x-k").Select(e => e.Value));
        Assert.Equal(2, metadata.Count);
        Assert.Null(metadata.GetValue("x-missing"));
    }

    [Fact]
    public void AddReceived_SkipsReservedKeysAndDecodesBinaryValuesPaddedOrNot()
    {
        var metadata = new Metadata();

        metadata.AddReceived("grpc-status", "0");
        metadata.AddReceived("content-type", "application/grpc");
        metadata.AddReceived("te", "trailers");
        metadata.AddReceived(":authority", "x");
        metadata.AddReceived("X-Upper", "kept");
        metadata.AddReceived("x-data-bin", "AQID,AAE=, AAE");
        metadata.AddReceived("x-broken-bin", "!!!");

        Assert.Equal("kept", metadata.GetValue("x-upper"));
        Assert.Equal([[1, 2, 3], [0, 1], [0, 1]], metadata.GetAll("x-data-bin").Select(e => e.ValueBytes));
        Assert.Equal(4, metadata.Count);
    }
}
