using System.Text;
using Gateway.Translation.Streaming;

namespace Gateway.Translation.Tests.Streaming;

public sealed class SseFramerTests
{
    private static List<(string Event, string Data)> Frame(string text, int chunk)
    {
        using var framer = new SseFramer();
        var events = new List<(string, string)>();
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            ReadOnlySpan<byte> input = bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i));
            while (true)
            {
                var r = framer.Next(ref input);
                if (r == SseRead.Event)
                {
                    events.Add((Encoding.UTF8.GetString(framer.EventName), Encoding.UTF8.GetString(framer.Data)));
                    continue;
                }

                Assert.Equal(SseRead.NeedMore, r);
                break;
            }
        }

        if (framer.Flush() == SseRead.Event)
        {
            events.Add((Encoding.UTF8.GetString(framer.EventName), Encoding.UTF8.GetString(framer.Data)));
        }

        return events;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Next_MixedLineEndsCommentsMultilineData_EventsAsSpecified(int chunk)
    {
        const string text = ": comment\r\nevent: a\r\ndata: one\r\ndata:two\r\n\r\n"
            + "id: 7\nretry: 10\ndata: x\n\n"
            + "event: b\rdata: y\r\r"
            + "\n\n"
            + "data: last";
        var events = Frame(text, chunk);
        Assert.Equal([("a", "one\ntwo"), ("", "x"), ("b", "y"), ("", "last")], events);
    }

    [Fact]
    public void Next_NonSseLine_Invalid()
    {
        using var framer = new SseFramer();
        ReadOnlySpan<byte> input = "<!DOCTYPE html>\n"u8;
        Assert.Equal(SseRead.Invalid, framer.Next(ref input));
    }

    [Fact]
    public void Next_EventWithoutData_NotDispatched()
    {
        Assert.Empty(Frame("event: ping\n\n: only a comment\n\n", 4));
    }
}
