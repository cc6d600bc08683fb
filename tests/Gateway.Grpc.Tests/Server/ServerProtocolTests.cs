using System.Buffers.Binary;
using Gateway.Grpc.Tests.Infrastructure;
using Google.Protobuf;
using Interop.V1;

namespace Gateway.Grpc.Tests.Server;

/// <summary>The in-repo server's wire behaviour, checked with a bare HTTP/2 client.</summary>
public sealed class ServerProtocolTests(DotnetServerFixture server) : IClassFixture<DotnetServerFixture>, IDisposable
{
    private const string EchoPath = "/interop.v1.EchoService/Echo";
    private readonly RawGrpcClient _client = new();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Echo_Ok_IsOneLengthPrefixedMessageThenStatusTrailers()
    {
        var response = await SendAsync(RawGrpcClient.Frame(new EchoRequest { Message = "wire" }));

        Assert.Equal(200, response.HttpStatus);
        Assert.Equal("application/grpc", response.Headers["Content-Type"]);
        Assert.Equal("identity", response.Headers["grpc-accept-encoding"]);
        Assert.False(response.Headers.ContainsKey("grpc-status"));
        Assert.Equal(0, response.Body[0]);
        Assert.Equal(response.Body.Length - 5, (int)BinaryPrimitives.ReadUInt32BigEndian(response.Body.AsSpan(1)));
        Assert.Equal("wire", EchoResponse.Parser.ParseFrom(response.Body.AsSpan(5)).Message);
        Assert.Equal("0", response.Trailers["grpc-status"]);
    }

    [Fact]
    public async Task Echo_GrpcProtoContentType_IsAccepted()
    {
        var response = await SendAsync(RawGrpcClient.Frame(new EchoRequest { Message = "proto" }), "application/grpc+proto");

        Assert.Equal("0", response.GrpcStatus);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/grpc+json")]
    public async Task Echo_NonProtobufGrpcContentType_Returns415(string contentType)
    {
        var response = await SendAsync(RawGrpcClient.Frame(new EchoRequest()), contentType);

        Assert.Equal(415, response.HttpStatus);
    }

    [Fact]
    public async Task UnknownMethod_OfKnownService_IsUnimplementedTrailersOnly()
    {
        var response = await _client.SendAsync(server.Address, "/interop.v1.EchoService/Nope", RawGrpcClient.Frame(new EchoRequest()));

        Assert.Equal(200, response.HttpStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal("Method is unimplemented.", response.GrpcMessage);
    }

    [Fact]
    public async Task UnknownService_IsUnimplemented()
    {
        var response = await _client.SendAsync(server.Address, "/no.such.Service/Call", RawGrpcClient.Frame(new EchoRequest()));

        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal("Service is unimplemented.", response.GrpcMessage);
    }

    [Fact]
    public async Task UnknownPath_WithoutGrpcContentType_IsPlain404()
    {
        var response = await _client.SendAsync(server.Address, "/no.such.Service/Call", [], "application/json");

        Assert.Equal(404, response.HttpStatus);
        Assert.Null(response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_FrameShorterThanDeclared_IsInternal()
    {
        var response = await SendAsync(RawGrpcClient.Frame([1, 2, 3], declaredLength: 100));

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_BodyShorterThanFrameHeader_IsInternal()
    {
        var response = await SendAsync([0, 0, 0]);

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_EmptyBody_IsInternal()
    {
        var response = await SendAsync([]);

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_CompressedFlagWithoutEncoding_IsInternal()
    {
        var response = await SendAsync(RawGrpcClient.Frame(new EchoRequest { Message = "x" }.ToByteArray(), flag: 1));

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_InvalidCompressedFlag_IsInternal()
    {
        var response = await SendAsync(RawGrpcClient.Frame(new EchoRequest { Message = "x" }.ToByteArray(), flag: 7));

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_UnsupportedGrpcEncoding_IsUnimplementedAndAdvertisesIdentity()
    {
        var response = await SendAsync(
            RawGrpcClient.Frame(new EchoRequest { Message = "x" }.ToByteArray(), flag: 1),
            headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal("identity", response.Headers["grpc-accept-encoding"]);
    }

    [Fact]
    public async Task Echo_IdentityGrpcEncoding_IsAccepted()
    {
        var response = await SendAsync(
            RawGrpcClient.Frame(new EchoRequest { Message = "x" }), headers: new Dictionary<string, string> { ["grpc-encoding"] = "identity" });

        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_UndecodableProtobuf_IsInternal()
    {
        var response = await SendAsync(RawGrpcClient.Frame([0xFF, 0xFF, 0xFF, 0xFF]));

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_TwoRequestMessages_IsInternal()
    {
        var frame = RawGrpcClient.Frame(new EchoRequest { Message = "one" });

        var response = await SendAsync([.. frame, .. frame]);

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_RequestOverLimit_IsResourceExhaustedBeforeTheBodyIsBuffered()
    {
        // Only the header declares 5 MiB; the server must refuse on the header alone.
        var response = await SendAsync(RawGrpcClient.Frame([1, 2, 3], declaredLength: 5 * 1024 * 1024));

        Assert.Equal("8", response.GrpcStatus);
    }

    [Fact]
    public async Task Echo_NonAsciiStatusMessage_IsPercentEncodedOnTheWire()
    {
        var response = await SendAsync(RawGrpcClient.Frame(new EchoRequest
        {
            Message = "pct",
            FailCode = (int)StatusCode.InvalidArgument,
            FailMessage = "café 100%\n",
            FailBeforeHeaders = true,
        }));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal("3", response.GrpcStatus);
        Assert.Equal("caf%C3%A9 100%25%0A", response.GrpcMessage);
    }

    [Fact]
    public async Task Echo_BinaryMetadata_IsEchoedAsUnpaddedBase64()
    {
        var response = await SendAsync(
            RawGrpcClient.Frame(new EchoRequest { Message = "bin" }),
            headers: new Dictionary<string, string> { ["x-data-bin"] = "AQID" + ",AAE=" });

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("AQID,AAE", response.Headers["x-data-bin"]);
    }

    private Task<RawResponse> SendAsync(byte[] body, string contentType = "application/grpc", IDictionary<string, string>? headers = null) =>
        _client.SendAsync(server.Address, EchoPath, body, contentType, headers);
}
