using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Ingress.Chat;

namespace Gateway.Ingress.Tests.Chat;

public sealed class ChatRequestRewriterTests
{
    private static string Rewrite(string json, string upstreamModel)
    {
        var body = Encoding.UTF8.GetBytes(json);
        Assert.True(ChatRequestReader.TryRead(body, out var request, out var error), error.Message);
        var output = new ArrayBufferWriter<byte>();
        ChatRequestRewriter.Rewrite(body, request, upstreamModel, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Rewrite_NonStreaming_ReplacesOnlyTheModelValue()
    {
        var json = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"say \"hi\" \u00e9"}],"temperature":0.70,"x_vendor":{"a":[1,2.50e3,null]}}""";
        Assert.Equal(json.Replace("\"gpt-4o-mini\"", "\"up-model\"", StringComparison.Ordinal), Rewrite(json, "up-model"));
    }

    [Fact]
    public void Rewrite_KeepsWhitespaceKeyOrderAndNumberFormats()
    {
        var json = "{\n  \"messages\" : [ {\"role\":\"user\", \"content\" : \"x\"} ],\n  \"seed\": 1.0E+2,\n  \"model\" :\t\"a\" ,\n  \"zzz\": -0.000\n}\n";
        Assert.Equal(json.Replace("\"a\"", "\"b-2\"", StringComparison.Ordinal), Rewrite(json, "b-2"));
    }

    [Fact]
    public void Rewrite_StreamingWithoutStreamOptions_AppendsIncludeUsage()
    {
        var json = """{"model":"m","messages":[],"stream":true}""";
        Assert.Equal("""{"model":"up","messages":[],"stream":true,"stream_options":{"include_usage":true}}""", Rewrite(json, "up"));
    }

    [Fact]
    public void Rewrite_StreamingWithTrailingWhitespace_AppendsBeforeTheClosingBrace()
    {
        var json = "{\"model\":\"m\",\"messages\":[],\"stream\":true \n}";
        var rewritten = Rewrite(json, "m");
        Assert.Equal("{\"model\":\"m\",\"messages\":[],\"stream\":true \n,\"stream_options\":{\"include_usage\":true}}", rewritten);
        Assert.NotNull(JsonNode.Parse(rewritten));
    }

    [Fact]
    public void Rewrite_StreamingWithIncludeUsageFalse_ForcesTrue()
    {
        var json = """{"model":"m","stream_options":{"include_usage":false},"messages":[],"stream":true}""";
        Assert.Equal("""{"model":"up","stream_options":{"include_usage":true},"messages":[],"stream":true}""", Rewrite(json, "up"));
    }

    [Fact]
    public void Rewrite_StreamingWithIncludeUsageNull_ForcesTrue()
    {
        var json = """{"stream":true,"stream_options":{"include_usage":null, "other":1},"model":"m","messages":[]}""";
        Assert.Equal("""{"stream":true,"stream_options":{"include_usage":true, "other":1},"model":"up","messages":[]}""", Rewrite(json, "up"));
    }

    [Fact]
    public void Rewrite_StreamingWithIncludeUsageTrue_LeavesStreamOptionsAlone()
    {
        var json = """{"model":"m","messages":[],"stream":true,"stream_options":{ "include_usage" : true }}""";
        Assert.Equal(json.Replace("\"m\"", "\"up\"", StringComparison.Ordinal), Rewrite(json, "up"));
    }

    [Fact]
    public void Rewrite_StreamingWithOtherStreamOptions_InsertsIncludeUsageFirst()
    {
        var json = """{"model":"m","messages":[],"stream":true,"stream_options":{"continuous_usage_stats":true}}""";
        Assert.Equal("""{"model":"up","messages":[],"stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}}""", Rewrite(json, "up"));
    }

    [Fact]
    public void Rewrite_StreamingWithEmptyStreamOptions_InsertsIncludeUsage()
    {
        var json = """{"model":"m","messages":[],"stream":true,"stream_options":{ }}""";
        Assert.Equal("""{"model":"up","messages":[],"stream":true,"stream_options":{"include_usage":true }}""", Rewrite(json, "up"));
    }

    [Fact]
    public void Rewrite_StreamingWithNullStreamOptions_ReplacesIt()
    {
        var json = """{"model":"m","messages":[],"stream":true,"stream_options":null}""";
        Assert.Equal("""{"model":"up","messages":[],"stream":true,"stream_options":{"include_usage":true}}""", Rewrite(json, "up"));
    }

    [Fact]
    public void Rewrite_StreamOptionsBeforeModel_AppliesBothEditsInOrder()
    {
        var json = """{"stream":true,"stream_options":{"include_usage":false},"messages":[],"model":"m"}""";
        Assert.Equal("""{"stream":true,"stream_options":{"include_usage":true},"messages":[],"model":"upstream-model"}""", Rewrite(json, "upstream-model"));
    }

    [Fact]
    public void Rewrite_NotStreaming_LeavesStreamOptionsAsSent()
    {
        var json = """{"model":"m","messages":[],"stream":false,"stream_options":{"include_usage":false}}""";
        Assert.Equal(json.Replace("\"m\"", "\"up\"", StringComparison.Ordinal), Rewrite(json, "up"));
    }

    [Fact]
    public void Rewrite_EscapedModelName_IsReplacedWholeAndUpstreamNameEscaped()
    {
        var json = """{"model":"gpt\u002d4","messages":[]}""";
        var rewritten = Rewrite(json, "we\"ird/é");
        Assert.Equal("we\"ird/é", JsonNode.Parse(rewritten)!["model"]!.GetValue<string>());
        Assert.StartsWith("{\"model\":\"we\\\"ird/", rewritten, StringComparison.Ordinal);
        Assert.EndsWith(",\"messages\":[]}", rewritten, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RecordedBodies))]
    public void Rewrite_RecordedClientRequests_ChangeOnlyModelAndUsageOption(string file, string body)
    {
        var rewritten = Rewrite(body, "upstream-x");
        var original = JsonNode.Parse(body)!.AsObject();
        var result = JsonNode.Parse(rewritten)!.AsObject();

        Assert.Equal("upstream-x", result["model"]!.GetValue<string>());
        var stream = original["stream"]?.GetValue<bool>() == true;
        if (stream)
        {
            Assert.True(result["stream_options"]!["include_usage"]!.GetValue<bool>(), file);
        }

        original.Remove("model");
        result.Remove("model");
        if (stream)
        {
            original.Remove("stream_options");
            result.Remove("stream_options");
        }

        Assert.True(JsonNode.DeepEquals(original, result), file);

        // Byte level: the part of the body before the model value is untouched.
        var modelAt = body.IndexOf("\"model\":", StringComparison.Ordinal);
        Assert.Equal(body[..modelAt], rewritten[..modelAt]);
    }

    public static TheoryData<string, string> RecordedBodies() => RecordedRequests.ChatBodies();
}
