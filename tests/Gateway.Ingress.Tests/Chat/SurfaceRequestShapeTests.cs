using System.Text;
using Gateway.Ingress.Buffers;
using Gateway.Ingress.Chat;

namespace Gateway.Ingress.Tests.Chat;

/// <summary>The reader's Anthropic Messages, count_tokens and embeddings shapes, and the model-only rewrite.</summary>
public sealed class SurfaceRequestShapeTests
{
    private static bool Read(string json, RequestShape shape, out ChatRequest request, out Errors.ApiError error) =>
        ChatRequestReader.TryRead(Encoding.UTF8.GetBytes(json), shape, out request, out error);

    [Fact]
    public void TryRead_AnthropicMessages_ReadsModelStreamAndMaxTokens()
    {
        const string json = """{"model":"claude","max_tokens":128000,"stream":true,"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}],"stream_options":5,"user":7}""";
        Assert.True(Read(json, RequestShape.AnthropicMessages, out var request, out _));
        Assert.Equal("claude", request.Model);
        Assert.True(request.Stream);
        Assert.Equal(128000, request.MaxTokens);
        Assert.Equal(-1, request.StreamOptionsLength); // not a field of this surface: passed through, not read
    }

    [Theory]
    [InlineData("""{"model":"c","messages":[{"role":"user","content":"x"}]}""", "max_tokens")]
    [InlineData("""{"model":"c","max_tokens":0,"messages":[{"role":"user","content":"x"}]}""", "max_tokens")]
    [InlineData("""{"model":"c","max_tokens":5,"messages":[ ]}""", "messages")]
    [InlineData("""{"model":"c","max_tokens":5,"messages":{}}""", "messages")]
    [InlineData("""{"model":"c","max_tokens":5}""", "messages")]
    [InlineData("""{"model":"c","max_tokens":5,"messages":[{}],"stream":"yes"}""", "stream")]
    public void TryRead_AnthropicMessagesInvalid_NamesTheField(string json, string param)
    {
        Assert.False(Read(json, RequestShape.AnthropicMessages, out _, out var error));
        Assert.Equal(400, error.Status);
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void TryRead_CountTokens_NeedsNoMaxTokensButNonEmptyMessages()
    {
        Assert.True(Read("""{"model":"c","messages":[{"role":"user","content":"x"}]}""", RequestShape.AnthropicCountTokens, out _, out _));
        Assert.False(Read("""{"model":"c","messages":[]}""", RequestShape.AnthropicCountTokens, out _, out var error));
        Assert.Equal("messages", error.Param);
    }

    [Fact]
    public void TryRead_Embeddings_NeedsInputNotMessages()
    {
        Assert.True(Read("""{"model":"e","input":["a","b"],"encoding_format":"base64","stream":"not read"}""", RequestShape.Embeddings, out var request, out _));
        Assert.False(request.Stream);
        Assert.False(Read("""{"model":"e","messages":[]}""", RequestShape.Embeddings, out _, out var error));
        Assert.Equal("input", error.Param);
    }

    [Fact]
    public void Rewrite_ModelOnly_KeepsEveryOtherByteAndAddsNoStreamOptions()
    {
        const string json = """{ "stream" : true, "model":"claude","max_tokens":10,"messages":[{"role":"user","content":"\u00e9"}] }""";
        var body = Encoding.UTF8.GetBytes(json);
        Assert.True(ChatRequestReader.TryRead(body, RequestShape.AnthropicMessages, out var request, out _));
        using var output = new PooledBufferWriter(256);
        ChatRequestRewriter.Rewrite(body, request, "claude-upstream-1", output, forceIncludeUsage: false);
        Assert.Equal(json.Replace("\"claude\"", "\"claude-upstream-1\"", StringComparison.Ordinal), Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
