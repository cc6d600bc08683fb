using System.Text;
using Gateway.Ingress.Chat;

namespace Gateway.Ingress.Tests.Chat;

public sealed class ChatRequestReaderTests
{
    private static bool Read(string json, out ChatRequest request, out Errors.ApiError error) =>
        ChatRequestReader.TryRead(Encoding.UTF8.GetBytes(json), out request, out error);

    [Fact]
    public void TryRead_MinimalRequest_ReadsModelAndDefaults()
    {
        Assert.True(Read("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", out var request, out _));
        Assert.Equal("gpt-4o-mini", request.Model);
        Assert.False(request.Stream);
        Assert.False(request.ClientIncludeUsage);
        Assert.Equal(-1, request.StreamOptionsLength);
        Assert.Null(request.MaxTokens);
    }

    [Fact]
    public void TryRead_StreamingWithUsage_ReadsStreamFlags()
    {
        var json = """{"messages":[],"model":"m","stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":77,"max_tokens":5,"user":"u-1"}""";
        Assert.True(Read(json, out var request, out _));
        Assert.True(request.Stream);
        Assert.True(request.ClientIncludeUsage);
        Assert.Equal(77, request.MaxTokens);
        Assert.Equal("u-1", request.User);
        Assert.Equal("{\"include_usage\":true}", json.Substring(request.StreamOptionsStart, request.StreamOptionsLength));
        Assert.Equal("true", json.Substring(request.IncludeUsageStart, request.IncludeUsageLength));
    }

    [Fact]
    public void TryRead_MaxTokensOnly_UsesIt()
    {
        Assert.True(Read("""{"model":"m","messages":[],"max_tokens":12}""", out var request, out _));
        Assert.Equal(12, request.MaxTokens);
    }

    [Fact]
    public void TryRead_ModelOffsets_PointAtTheStringToken()
    {
        var json = """{ "messages" : [ ] ,  "model"  :  "gpt-4o"  }""";
        Assert.True(Read(json, out var request, out _));
        Assert.Equal("\"gpt-4o\"", json.Substring(request.ModelStart, request.ModelLength));
        Assert.Equal('}', json[request.ObjectEnd]);
    }

    [Fact]
    public void TryRead_EscapedModelAndPropertyName_AreUnescaped()
    {
        Assert.True(Read("""{"mo\u0064el":"gpt\u002d4","messages":[]}""", out var request, out _));
        Assert.Equal("gpt-4", request.Model);
    }

    [Fact]
    public void TryRead_StreamNotRequested_IgnoresAcceptStyleHints()
    {
        Assert.True(Read("""{"model":"m","messages":[],"stream":false,"stream_options":null}""", out var request, out _));
        Assert.False(request.Stream);
        Assert.True(request.StreamOptionsIsNull);
    }

    [Theory]
    [InlineData("", "invalid_json", null)]
    [InlineData("{", "invalid_json", null)]
    [InlineData("{\"model\":\"m\",\"messages\":[]", "invalid_json", null)]
    [InlineData("{\"model\":\"m\",\"messages\":[]} trailing", "invalid_json", null)]
    [InlineData("{\"model\":\"m\",\"messages\":[]}{}", "invalid_json", null)]
    [InlineData("[1,2]", "invalid_json", null)]
    [InlineData("\"just a string\"", "invalid_json", null)]
    [InlineData("{\"model\":\"m\",\"messages\":[],}", "invalid_json", null)]
    [InlineData("{'model':'m'}", "invalid_json", null)]
    [InlineData("{\"model\":\"m\",\"messages\":[] /* c */}", "invalid_json", null)]
    [InlineData("{\"messages\":[]}", "missing_required_parameter", "model")]
    [InlineData("{\"model\":null,\"messages\":[]}", "missing_required_parameter", "model")]
    [InlineData("{\"model\":42,\"messages\":[]}", "invalid_type", "model")]
    [InlineData("{\"model\":[\"m\"],\"messages\":[]}", "invalid_type", "model")]
    [InlineData("{\"model\":{\"id\":\"m\"},\"messages\":[]}", "invalid_type", "model")]
    [InlineData("{\"model\":\"\",\"messages\":[]}", "invalid_value", "model")]
    [InlineData("{\"model\":\"m\"}", "missing_required_parameter", "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":null}", "missing_required_parameter", "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":\"hi\"}", "invalid_type", "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":{\"role\":\"user\"}}", "invalid_type", "messages")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"stream\":\"yes\"}", "invalid_type", "stream")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"stream_options\":true}", "invalid_type", "stream_options")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"stream_options\":{\"include_usage\":1}}", "invalid_type", "stream_options.include_usage")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"max_tokens\":\"10\"}", "invalid_type", "max_tokens")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"max_tokens\":1.5}", "invalid_type", "max_tokens")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"max_completion_tokens\":-1}", "invalid_value", "max_completion_tokens")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"user\":5}", "invalid_type", "user")]
    [InlineData("{\"model\":\"a\",\"messages\":[],\"model\":\"b\"}", "duplicate_parameter", "model")]
    [InlineData("{\"model\":\"a\",\"messages\":[],\"mod\\u0065l\":\"b\"}", "duplicate_parameter", "model")]
    [InlineData("{\"model\":\"a\",\"messages\":[],\"stream\":false,\"stream\":true}", "duplicate_parameter", "stream")]
    [InlineData("{\"model\":\"a\",\"messages\":[],\"stream_options\":{\"include_usage\":false,\"include_usage\":true}}", "duplicate_parameter", "stream_options.include_usage")]
    public void TryRead_BadInput_Returns400WithCodeAndParam(string json, string code, string? param)
    {
        Assert.False(Read(json, out _, out var error));
        Assert.Equal(400, error.Status);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Equal(code, error.Code);
        Assert.Equal(param, error.Param);
        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    [Fact]
    public void TryRead_TooDeeplyNested_IsInvalidJson()
    {
        var deep = new string('[', 200) + new string(']', 200);
        Assert.False(Read($$"""{"model":"m","messages":[],"x":{{deep}}}""", out _, out var error));
        Assert.Equal("invalid_json", error.Code);
    }

    [Fact]
    public void TryRead_ModelTooLong_IsInvalidValue()
    {
        var model = new string('m', ChatRequestReader.MaxModelLength + 1);
        Assert.False(Read($$"""{"model":"{{model}}","messages":[]}""", out _, out var error));
        Assert.Equal("invalid_value", error.Code);
    }

    [Fact]
    public void TryRead_InvalidUtf8_IsInvalidJson()
    {
        byte[] body = [.. "{\"model\":\"m\",\"messages\":[],\"x\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        Assert.False(ChatRequestReader.TryRead(body, out _, out var error));
        Assert.Equal("invalid_json", error.Code);
    }

    [Theory]
    [MemberData(nameof(RecordedBodies))]
    public void TryRead_RecordedClientRequests_AreAccepted(string file, string body)
    {
        Assert.True(ChatRequestReader.TryRead(Encoding.UTF8.GetBytes(body), out var request, out var error), $"{file}: {error.Message}");
        Assert.False(string.IsNullOrEmpty(request.Model));
        Assert.Equal(body.Contains("\"stream\":true", StringComparison.Ordinal), request.Stream);
    }

    public static TheoryData<string, string> RecordedBodies() => RecordedRequests.ChatBodies();
}
