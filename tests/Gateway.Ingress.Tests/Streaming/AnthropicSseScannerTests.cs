using System.Text;
using Gateway.Ingress.Streaming;
using Gateway.Ingress.Tests.Fakes;

namespace Gateway.Ingress.Tests.Streaming;

public sealed class AnthropicSseScannerTests
{
    private static readonly string Transcript = string.Concat(FakeOpenAiUpstream.AnthropicStreamEvents("claude-up"));

    /// <summary>Feeds the scanner in the given pieces, as the relay does.</summary>
    private static (string Forwarded, bool Garbage, SseScanner Scanner) Run(IEnumerable<byte[]> chunks)
    {
        var scanner = new SseScanner(clientWantsUsage: false, bufferSize: 64, dialect: SseDialect.AnthropicMessages);
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
                    var count = Math.Min(memory.Length, chunk.Length - offset);
                    chunk.AsSpan(offset, count).CopyTo(memory.Span);
                    scanner.Advance(count);
                    offset += count;
                }

                SseNext next;
                while ((next = scanner.Next(final, out var evt)) != SseNext.NeedMore)
                {
                    if (next == SseNext.Garbage)
                    {
                        return (Encoding.UTF8.GetString(forwarded.ToArray()), true, scanner);
                    }

                    Assert.Equal(SseNext.Forward, next); // nothing is ever dropped on this wire
                    forwarded.Write(evt);
                }
            }
            while (offset < chunk.Length);
        }

        return (Encoding.UTF8.GetString(forwarded.ToArray()), false, scanner);
    }

    [Fact]
    public void Next_EverySplitPoint_RelaysByteIdenticalAndReadsNormalisedUsage()
    {
        var bytes = Encoding.UTF8.GetBytes(Transcript);
        for (var at = 0; at <= bytes.Length; at++)
        {
            var (forwarded, garbage, scanner) = Run([bytes[..at], bytes[at..]]);
            using (scanner)
            {
                Assert.False(garbage);
                Assert.Equal(Transcript, forwarded);
                Assert.True(scanner.SawDone);
                Assert.False(scanner.SawErrorEvent);
                Assert.True(scanner.UsageSeen);
                Assert.Equal("claude-up", scanner.ResponseModel);
                Assert.Equal(3, scanner.ContentDeltas);
                // input 10 + cache read 5 + cache creation 3; output from message_delta replaces message_start's 1
                Assert.Equal((18L, 7L, 5L, 3L), (scanner.Usage.Input, scanner.Usage.Output, scanner.Usage.CachedInput, scanner.Usage.CacheWrite));
            }
        }
    }

    [Fact]
    public void Next_CrLfLineEnds_SameResult()
    {
        var crlf = Transcript.Replace("\n", "\r\n", StringComparison.Ordinal);
        var (forwarded, garbage, scanner) = Run([Encoding.UTF8.GetBytes(crlf)]);
        using (scanner)
        {
            Assert.False(garbage);
            Assert.Equal(crlf, forwarded);
            Assert.True(scanner.SawDone);
            Assert.Equal(18, scanner.Usage.Input);
        }
    }

    [Fact]
    public void Next_ErrorEvent_FlaggedAndPayloadKept()
    {
        const string error = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        var (forwarded, garbage, scanner) = Run([Encoding.UTF8.GetBytes(error)]);
        using (scanner)
        {
            Assert.False(garbage);
            Assert.Equal(error, forwarded);
            Assert.True(scanner.SawErrorEvent);
            Assert.False(scanner.SawDone);
            Assert.Contains("overloaded_error", Encoding.UTF8.GetString(scanner.ErrorPayload!), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("event: message_start\ndata: {not json\n\n")]
    [InlineData("data: [1,2]\n\n")]
    [InlineData("data: {\"type\":5}\n\n")]
    public void Next_NotAnAnthropicEvent_Garbage(string text)
    {
        var (_, garbage, scanner) = Run([Encoding.UTF8.GetBytes(text)]);
        scanner.Dispose();
        Assert.True(garbage);
    }

    [Fact]
    public void Next_CutBeforeMessageStop_NotDone()
    {
        var events = FakeOpenAiUpstream.AnthropicStreamEvents("claude-up");
        var (_, garbage, scanner) = Run([Encoding.UTF8.GetBytes(string.Concat(events.Take(events.Count - 1)))]);
        using (scanner)
        {
            Assert.False(garbage);
            Assert.False(scanner.SawDone);
            Assert.Equal(7, scanner.Usage.Output);
        }
    }
}
