using Gateway.Grpc.Protocol;

namespace Gateway.Grpc.Tests.Protocol;

public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("plain ascii text", "plain ascii text")]
    [InlineData("100%", "100%25")]
    [InlineData("café", "caf%C3%A9")]
    [InlineData("line\nbreak\ttab", "line%0Abreak%09tab")]
    [InlineData("✓", "%E2%9C%93")]
    [InlineData("😀", "%F0%9F%98%80")]
    [InlineData("~ !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}", "~ !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}")]
    public void Encode_EscapesExactlyWhatTheSpecSays(string text, string encoded)
    {
        Assert.Equal(encoded, PercentEncoding.Encode(text));
    }

    [Theory]
    [InlineData("café 100% ✓ 😀\r\n")]
    [InlineData("")]
    [InlineData("%%%")]
    public void Decode_OfEncode_RoundTrips(string text)
    {
        Assert.Equal(text, PercentEncoding.Decode(PercentEncoding.Encode(text)));
    }

    [Theory]
    [InlineData("caf%c3%a9", "café")]
    [InlineData("50%", "50%")]
    [InlineData("bad %zz escape", "bad %zz escape")]
    [InlineData("%4", "%4")]
    [InlineData("raw é kept", "raw é kept")]
    public void Decode_ToleratesWhatPeersSend(string wire, string text)
    {
        Assert.Equal(text, PercentEncoding.Decode(wire));
    }
}
