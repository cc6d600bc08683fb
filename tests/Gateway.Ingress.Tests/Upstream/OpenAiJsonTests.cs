using System.Text;
using Gateway.Ingress.Upstream;
using Gateway.Ingress.Usage;

namespace Gateway.Ingress.Tests.Upstream;

public sealed class OpenAiJsonTests
{
    [Theory]
    [InlineData("""{"error":{"message":"bad","type":"x","param":null,"code":null}}""", true)]
    [InlineData("""{"error":{"message":"bad"},"extra":1}""", true)]
    [InlineData("""{"error":{"type":"x"}}""", false)]
    [InlineData("""{"error":"bad"}""", false)]
    [InlineData("""{"error":{"message":5}}""", false)]
    [InlineData("""{"detail":"not found"}""", false)]
    [InlineData("<html>502</html>", false)]
    [InlineData("", false)]
    public void IsErrorEnvelope_Body_RecognisesOnlyTheOpenAiShape(string body, bool expected) =>
        Assert.Equal(expected, OpenAiJson.IsErrorEnvelope(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void TryReadCompletion_Body_ReadsUsageModelAndContentSize()
    {
        var body = """{"id":"x","model":"gpt-up","choices":[{"index":0,"message":{"role":"assistant","content":"abcdefgh"}}],"usage":{"prompt_tokens":9,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":2}}}""";
        var usage = default(UsageCounts);
        Assert.True(OpenAiJson.TryReadCompletion(Encoding.UTF8.GetBytes(body), ref usage, out var seen, out var model, out var contentBytes));
        Assert.True(seen);
        Assert.Equal("gpt-up", model);
        Assert.Equal((9, 4, 3, 2), (usage.Input, usage.Output, usage.CachedInput, usage.Reasoning));
        Assert.True(contentBytes >= 8);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"a\":1")]
    [InlineData("{\"a\":1}{}")]
    public void TryReadCompletion_Garbage_ReturnsFalse(string body)
    {
        var usage = default(UsageCounts);
        Assert.False(OpenAiJson.TryReadCompletion(Encoding.UTF8.GetBytes(body), ref usage, out _, out _, out _));
    }
}
