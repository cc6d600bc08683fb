namespace Gateway.Translation.Tests.Streaming;

/// <summary>Every upstream × client pair (same-wire included, through the canonical model) over the simulator's
/// recorded streams, fed whole, byte by byte and in random chunks, streaming and not.</summary>
public sealed class StreamTranslatorMatrixTests
{
    private static readonly Dictionary<Wire, string> Prefix = new()
    {
        [Wire.OpenAiChat] = "chat",
        [Wire.AnthropicMessages] = "anthropic",
        [Wire.OpenAiResponses] = "responses",
    };

    public static TheoryData<Wire, Wire, string, Chunking, bool> Cases()
    {
        var data = new TheoryData<Wire, Wire, string, Chunking, bool>();
        foreach (var upstream in Enum.GetValues<Wire>())
        {
            var samples = upstream == Wire.AnthropicMessages
                ? new[] { "text", "thinking-tools", "length" }
                : new[] { "text", "tools", "length" };
            foreach (var client in Enum.GetValues<Wire>())
            {
                foreach (var sample in samples)
                {
                    foreach (var chunking in Enum.GetValues<Chunking>())
                    {
                        data.Add(upstream, client, $"{Prefix[upstream]}-{sample}.sse", chunking, true);
                    }

                    data.Add(upstream, client, $"{Prefix[upstream]}-{sample}.sse", Chunking.Random, false);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Feed_RecordedUpstreamStream_ClientGetsSameContentToolsFinishAndUsage(Wire upstream, Wire client, string sample,
        Chunking chunking, bool stream)
    {
        var ctx = Runner.Ctx(client, upstream, stream);
        var upstreamText = Runner.Sample(sample);
        var expected = Transcript.FromUpstream(upstream, upstreamText);

        var result = Runner.Run(ctx, upstreamText, chunking, seed: sample.Length);

        Assert.Equal(TranslateStatus.Completed, result.Status);
        Transcript actual;
        if (stream)
        {
            Assert.True(result.HasOutput);
            actual = ClientChecker.Stream(ctx, result.Output);
        }
        else
        {
            Assert.Equal("", result.Output);
            Assert.False(result.HasOutput);
            actual = ClientChecker.Body(ctx, result.Body!);
        }

        Assert.Equal(expected.Text.ToString(), actual.Text.ToString());
        Assert.Equal(expected.Thinking.ToString(), actual.Thinking.ToString());
        if (client != Wire.OpenAiChat)
        {
            Assert.Equal(expected.Signature.ToString(), actual.Signature.ToString());
        }

        Assert.Equal(expected.Tools.Count, actual.Tools.Count);
        for (var i = 0; i < expected.Tools.Count; i++)
        {
            Assert.Equal(expected.Tools[i].Id, actual.Tools[i].Id);
            Assert.Equal(expected.Tools[i].Name, actual.Tools[i].Name);
            if (stream || client != Wire.AnthropicMessages)
            {
                Assert.Equal(expected.Tools[i].Arguments.ToString(), actual.Tools[i].Arguments.ToString());
            }
            else
            {
                // A whole Anthropic message carries `input` as an object: the same JSON, possibly re-spaced.
                Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(expected.Tools[i].Arguments.ToString())!.ToJsonString(),
                    System.Text.Json.Nodes.JsonNode.Parse(actual.Tools[i].Arguments.ToString())!.ToJsonString());
            }
        }

        Assert.Equal(expected.Finish, actual.Finish);
        Assert.True(result.UsageSeen);
        Assert.Equal(expected.Usage.Input, result.Usage.Input);
        Assert.Equal(expected.Usage.Output, result.Usage.Output);
        Assert.Equal(expected.Usage.CachedInput, result.Usage.CachedInput);
        Assert.Equal(expected.Usage.Input, actual.Usage.Input);
        Assert.Equal(expected.Usage.Output, actual.Usage.Output);
        Assert.Equal(expected.Usage.CachedInput, actual.Usage.CachedInput);
        if (client != Wire.AnthropicMessages)
        {
            Assert.Equal(expected.Usage.Reasoning, actual.Usage.Reasoning);
        }

        Assert.True(result.ContentStarted);
        Assert.True(result.ContentDeltas > 0);
        Assert.Equal("m", result.ResponseModel);
    }

    [Theory]
    [InlineData(Wire.OpenAiChat, "chat-tools.sse")]
    [InlineData(Wire.AnthropicMessages, "anthropic-thinking-tools.sse")]
    [InlineData(Wire.OpenAiResponses, "responses-tools.sse")]
    public void Feed_ManyRandomChunkings_ReassembledArgumentsEqualOriginalExactly(Wire upstream, string sample)
    {
        var text = Runner.Sample(sample);
        var expected = Transcript.FromUpstream(upstream, text);
        Assert.Equal(2, expected.Tools.Count);
        foreach (var client in Enum.GetValues<Wire>())
        {
            var ctx = Runner.Ctx(client, upstream);
            for (var seed = 0; seed < 25; seed++)
            {
                var result = Runner.Run(ctx, text, Chunking.Random, seed);
                Assert.Equal(TranslateStatus.Completed, result.Status);
                var actual = ClientChecker.Stream(ctx, result.Output);
                Assert.Equal(expected.Tools.Select(t => t.Arguments.ToString()), actual.Tools.Select(t => t.Arguments.ToString()));
            }
        }
    }

    [Theory]
    [InlineData(Wire.OpenAiChat)]
    [InlineData(Wire.AnthropicMessages)]
    [InlineData(Wire.OpenAiResponses)]
    public void Feed_CrLfLineEnds_SameTranscriptAsLf(Wire client)
    {
        foreach (var (upstream, sample) in new[] { (Wire.OpenAiChat, "chat-tools.sse"), (Wire.AnthropicMessages, "anthropic-thinking-tools.sse"), (Wire.OpenAiResponses, "responses-tools.sse") })
        {
            var ctx = Runner.Ctx(client, upstream);
            var lf = Runner.Sample(sample);
            var crlf = lf.Replace("\n", "\r\n");
            var a = Runner.Run(ctx, lf);
            var b = Runner.Run(ctx, crlf, Chunking.OneByte);
            Assert.Equal(TranslateStatus.Completed, b.Status);
            Assert.Equal(a.Output, b.Output);
        }
    }
}
