using System.Text;
using Gateway.Ingress.Streaming;

namespace Gateway.Ingress.Tests.Streaming;

public sealed class SseScannerTests
{
    private const string RoleChunk = """data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-up","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}""" + "\n\n";
    private const string Content1 = """data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-up","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null}""" + "\n\n";
    private const string Content2 = """data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-up","choices":[{"index":0,"delta":{"content":"lo \u00e9\n"},"finish_reason":null}],"usage":null}""" + "\n\n";
    private const string ToolCall = """data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-up","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}],"usage":null}""" + "\n\n";
    private const string Finish = """data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-up","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}""" + "\n\n";
    private const string UsageEvent = """data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-up","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42,"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":5}}}""" + "\n\n";
    private const string Done = "data: [DONE]\n\n";
    private const string KeepAlive = ": keep-alive\n\n";

    private static readonly string Transcript = RoleChunk + Content1 + KeepAlive + ToolCall + Content2 + Finish + UsageEvent + Done;

    private sealed record Result(string Forwarded, bool Garbage, SseScanner Scanner);

    /// <summary>Feeds the scanner the way the relay does: read into its buffer, hand out complete events.</summary>
    private static Result Run(bool clientWantsUsage, IEnumerable<byte[]> chunks, int bufferSize = 64, int maxEventBytes = SseScanner.DefaultMaxEventBytes,
        SseDialect dialect = SseDialect.OpenAiChat)
    {
        var scanner = new SseScanner(clientWantsUsage, bufferSize, maxEventBytes, dialect);
        var forwarded = new MemoryStream();
        foreach (var chunk in chunks.Append([]))
        {
            var final = chunk.Length == 0;
            var offset = 0;
            do
            {
                if (!final)
                {
                    var memory = scanner.GetReadMemory();
                    if (memory.IsEmpty)
                    {
                        return new Result(Encoding.UTF8.GetString(forwarded.ToArray()), true, scanner);
                    }

                    var count = Math.Min(memory.Length, chunk.Length - offset);
                    chunk.AsSpan(offset, count).CopyTo(memory.Span);
                    scanner.Advance(count);
                    offset += count;
                }

                while (true)
                {
                    var next = scanner.Next(final, out var evt);
                    if (next == SseNext.NeedMore)
                    {
                        break;
                    }

                    if (next == SseNext.Garbage)
                    {
                        return new Result(Encoding.UTF8.GetString(forwarded.ToArray()), true, scanner);
                    }

                    if (next == SseNext.Forward)
                    {
                        forwarded.Write(evt);
                    }
                }
            }
            while (offset < chunk.Length);
        }

        return new Result(Encoding.UTF8.GetString(forwarded.ToArray()), false, scanner);
    }

    private static IEnumerable<byte[]> Whole(string text) => [Encoding.UTF8.GetBytes(text)];

    private static IEnumerable<byte[]> SplitAt(byte[] bytes, int at) => [bytes[..at], bytes[at..]];

    [Fact]
    public void Next_ClientAskedForUsage_RelaysEverythingByteIdentical()
    {
        var result = Run(clientWantsUsage: true, Whole(Transcript));
        Assert.False(result.Garbage);
        Assert.Equal(Transcript, result.Forwarded);
        Assert.True(result.Scanner.SawDone);
        Assert.True(result.Scanner.UsageSeen);
    }

    [Fact]
    public void Next_ClientDidNotAskForUsage_DropsOnlyTheUsageEvent()
    {
        var result = Run(clientWantsUsage: false, Whole(Transcript));
        Assert.Equal(Transcript.Replace(UsageEvent, string.Empty, StringComparison.Ordinal), result.Forwarded);
        Assert.True(result.Scanner.UsageSeen);
        Assert.True(result.Scanner.SawDone);
    }

    [Fact]
    public void Next_UsageChunk_ReadsEveryCounter()
    {
        var usage = Run(clientWantsUsage: false, Whole(Transcript)).Scanner.Usage;
        Assert.Equal(12, usage.Input);
        Assert.Equal(30, usage.Output);
        Assert.Equal(8, usage.CachedInput);
        Assert.Equal(5, usage.Reasoning);
    }

    [Fact]
    public void Next_Transcript_CountsOutputDeltasAndResponseModel()
    {
        var scanner = Run(clientWantsUsage: true, Whole(Transcript)).Scanner;
        Assert.Equal(3, scanner.ContentDeltas); // Content1, ToolCall, Content2; the empty role delta does not count
        Assert.Equal("gpt-up", scanner.ResponseModel);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Next_SplitAtEveryByteBoundary_SameOutput(bool clientWantsUsage)
    {
        var bytes = Encoding.UTF8.GetBytes(Transcript);
        var expected = Run(clientWantsUsage, Whole(Transcript)).Forwarded;
        for (var at = 1; at < bytes.Length; at++)
        {
            var result = Run(clientWantsUsage, SplitAt(bytes, at));
            Assert.False(result.Garbage, $"split at {at}");
            Assert.Equal(expected, result.Forwarded);
            Assert.True(result.Scanner.SawDone, $"split at {at}");
            Assert.Equal(30, result.Scanner.Usage.Output);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Next_OneByteChunks_SameOutput(bool clientWantsUsage)
    {
        var bytes = Encoding.UTF8.GetBytes(Transcript);
        var result = Run(clientWantsUsage, bytes.Select(b => new[] { b }));
        Assert.Equal(Run(clientWantsUsage, Whole(Transcript)).Forwarded, result.Forwarded);
        Assert.Equal(3, result.Scanner.ContentDeltas);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Next_OtherLineEndings_SplitAtEveryBoundary_DropsUsageAndKeepsBytes(string newline)
    {
        var transcript = Transcript.Replace("\n\n", newline + newline, StringComparison.Ordinal);
        var usage = UsageEvent.Replace("\n\n", newline + newline, StringComparison.Ordinal);
        var expected = transcript.Replace(usage, string.Empty, StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(transcript);
        for (var at = 1; at < bytes.Length; at++)
        {
            var result = Run(clientWantsUsage: false, SplitAt(bytes, at));
            Assert.Equal(expected, result.Forwarded);
            Assert.True(result.Scanner.SawDone);
            Assert.True(result.Scanner.UsageSeen);
        }
    }

    [Fact]
    public void Next_UsageOnAContentChunk_IsNeverDropped()
    {
        var chunk = """data: {"choices":[{"index":0,"delta":{"content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}""" + "\n\n";
        var result = Run(clientWantsUsage: false, Whole(chunk + Done));
        Assert.Equal(chunk + Done, result.Forwarded);
        Assert.True(result.Scanner.UsageSeen);
    }

    [Fact]
    public void Next_EventFieldsAndMultiLineData_AreParsedAndRelayed()
    {
        var multi = "event: message\nid: 7\ndata: {\"choices\":[],\ndata: \"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n";
        var result = Run(clientWantsUsage: false, Whole(RoleChunk + multi + Done));
        Assert.Equal(RoleChunk + Done, result.Forwarded);
        Assert.Equal(4, result.Scanner.Usage.Output);
    }

    [Fact]
    public void Next_DataWithoutSpace_IsParsed()
    {
        var result = Run(clientWantsUsage: false, Whole("data:[DONE]\n\n"));
        Assert.True(result.Scanner.SawDone);
        Assert.Equal("data:[DONE]\n\n", result.Forwarded);
    }

    [Fact]
    public void Next_StreamCutMidEvent_RelaysOnlyCompleteEvents()
    {
        var cut = RoleChunk + Content1 + Content2[..20];
        var result = Run(clientWantsUsage: false, Whole(cut));
        Assert.Equal(RoleChunk + Content1, result.Forwarded);
        Assert.False(result.Scanner.SawDone);
        Assert.Equal(1, result.Scanner.ContentDeltas);
    }

    [Fact]
    public void Next_LastEventWithoutBlankLine_IsAcceptedAtEnd()
    {
        var result = Run(clientWantsUsage: false, Whole(Content1 + "data: [DONE]\n"));
        Assert.Equal(Content1 + "data: [DONE]\n", result.Forwarded);
        Assert.True(result.Scanner.SawDone);
    }

    [Theory]
    [InlineData("data: {not json\n\n")]
    [InlineData("data: [1,2]\n\n")]
    [InlineData("data: {\"a\":1} {\"b\":2}\n\n")]
    [InlineData("data: hello\n\n")]
    public void Next_DataThatIsNotAChunk_IsGarbage(string evt)
    {
        var result = Run(clientWantsUsage: true, Whole(RoleChunk + evt + Done));
        Assert.True(result.Garbage);
        Assert.Equal(RoleChunk, result.Forwarded);
    }

    [Fact]
    public void Next_ErrorEvent_IsRelayedAndRemembered()
    {
        var error = """data: {"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}""" + "\n\n";
        var result = Run(clientWantsUsage: false, Whole(Content1 + error));
        Assert.Equal(Content1 + error, result.Forwarded);
        Assert.True(result.Scanner.SawErrorEvent);
        Assert.NotNull(result.Scanner.ErrorPayload);
        Assert.False(result.Scanner.SawDone);
    }

    [Fact]
    public void GetReadMemory_EventLargerThanTheLimit_ReturnsEmpty()
    {
        var huge = "data: {\"choices\":[{\"delta\":{\"content\":\"" + new string('x', 5000) + "\"}}]}\n\n";
        var result = Run(clientWantsUsage: true, Whole(huge), bufferSize: 256, maxEventBytes: 1024);
        Assert.True(result.Garbage);
        Assert.Equal(string.Empty, result.Forwarded);
    }

    [Fact]
    public void GetReadMemory_EventLargerThanTheBuffer_GrowsAndRelaysIt()
    {
        var big = "data: {\"choices\":[{\"delta\":{\"content\":\"" + new string('x', 5000) + "\"}}]}\n\n";
        var result = Run(clientWantsUsage: true, Whole(big + Done), bufferSize: 256);
        Assert.Equal(big + Done, result.Forwarded);
    }
}
