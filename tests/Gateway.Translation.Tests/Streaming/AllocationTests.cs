using System.Buffers;
using System.Text;

namespace Gateway.Translation.Tests.Streaming;

/// <summary>The hot path (one text delta in, one client event out) allocates nothing per event once warmed up.
/// Byte counts, not timings.</summary>
public sealed class AllocationTests
{
    private sealed class ReusedWriter : IBufferWriter<byte>
    {
        private readonly byte[] _buffer = new byte[1 << 20];
        private int _written;

        public void Reset() => _written = 0;

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(_written);

        public Span<byte> GetSpan(int sizeHint = 0) => _buffer.AsSpan(_written);
    }

    public static TheoryData<Wire, Wire> Pairs()
    {
        var data = new TheoryData<Wire, Wire>();
        foreach (var upstream in Enum.GetValues<Wire>())
        {
            foreach (var client in new[] { Wire.OpenAiChat, Wire.AnthropicMessages })
            {
                data.Add(upstream, client);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Feed_TextDeltas_NoPerEventAllocation(Wire upstream, Wire client)
    {
        var delta = upstream switch
        {
            Wire.OpenAiChat => "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word\\\"q\"},\"finish_reason\":null}],\"usage\":null}\n\n",
            Wire.AnthropicMessages => "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" word\\\"q\"}}\n\n",
            _ => "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":5,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\" word\\\"q\",\"logprobs\":[]}\n\n",
        };
        var preamble = upstream switch
        {
            Wire.OpenAiChat => "",
            Wire.AnthropicMessages => "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"m\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
            _ => "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"model\":\"m\"}}\n\nevent: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":\"message\",\"id\":\"msg_1\"}}\n\n",
        };
        var deltaBytes = Encoding.UTF8.GetBytes(delta);
        var output = new ReusedWriter();
        using var t = new StreamTranslator(Runner.Ctx(client, upstream));
        Assert.Equal(TranslateStatus.NeedMore, t.Feed(Encoding.UTF8.GetBytes(preamble), output));
        for (var i = 0; i < 200; i++)
        {
            output.Reset();
            t.Feed(deltaBytes, output);
        }

        const int events = 10_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < events; i++)
        {
            output.Reset();
            // Split each event in two chunks so the framer's partial-line path is measured too.
            t.Feed(deltaBytes.AsSpan(0, 17), output);
            t.Feed(deltaBytes.AsSpan(17), output);
        }

        // One object per event would be at least 24 bytes × 10 000; the bound leaves room only for one-off runtime
        // allocations (tiering) that do not grow with the number of events.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated for {events} events");
        Assert.Equal(events + 200, t.ContentDeltas);
    }
}
