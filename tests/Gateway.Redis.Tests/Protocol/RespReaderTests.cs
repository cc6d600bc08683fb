using System.Buffers;
using System.Text;
using Gateway.Redis.Protocol;

namespace Gateway.Redis.Tests.Protocol;

public sealed class RespReaderTests
{
    private const string Nested =
        "*5\r\n+OK\r\n:-42\r\n$5\r\nhe\r\no\r\n*3\r\n$-1\r\n*0\r\n*2\r\n-ERR inner\r\n$0\r\n\r\n*-1\r\n";

    [Fact]
    public void TryRead_EveryReplyType_ParsesTypeAndValue()
    {
        Assert.Equal("OK", ReadOne("+OK\r\n").AsString());
        Assert.Equal(RedisResultType.SimpleString, ReadOne("+hello world\r\n").Type);
        Assert.Equal("hello world", ReadOne("+hello world\r\n").AsString());
        var error = ReadOne("-WRONGTYPE Operation against a key\r\n");
        Assert.Equal(RedisResultType.Error, error.Type);
        Assert.Equal("WRONGTYPE Operation against a key", error.AsString());
        Assert.Equal(9_223_372_036_854_775_807, ReadOne(":9223372036854775807\r\n").AsInt64());
        Assert.Equal(-1, ReadOne(":-1\r\n").AsInt64());
        Assert.Equal(RedisResultType.Integer, ReadOne(":1000\r\n").Type);
        var bulk = ReadOne("$5\r\nhello\r\n");
        Assert.Equal(RedisResultType.BulkString, bulk.Type);
        Assert.Equal("hello", bulk.AsString());
        Assert.Equal(string.Empty, ReadOne("$0\r\n\r\n").AsString());
        Assert.True(ReadOne("$-1\r\n").IsNull);
        Assert.True(ReadOne("*-1\r\n").IsNull);
        Assert.Empty(ReadOne("*0\r\n").Items);
    }

    [Fact]
    public void TryRead_NestedArray_KeepsStructure()
    {
        var result = ReadOne(Nested);

        AssertNested(result);
    }

    [Fact]
    public void TryRead_BytesArrivingOneAtATime_CompletesOnlyOnTheLastByte()
    {
        var bytes = Encoding.ASCII.GetBytes(Nested);
        var reader = new RespReader();
        for (var length = 0; length < bytes.Length; length++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, length);
            Assert.False(reader.TryRead(ref partial, out _), $"complete after only {length} of {bytes.Length} bytes");
            Assert.Equal(length, partial.Length);
        }

        var full = new ReadOnlySequence<byte>(bytes);
        Assert.True(reader.TryRead(ref full, out var result));
        Assert.Equal(0, full.Length);
        AssertNested(result!);
    }

    [Fact]
    public void TryRead_SplitAtEveryByte_ParsesWithFreshReaderEachTime()
    {
        var bytes = Encoding.ASCII.GetBytes(Nested);
        for (var split = 1; split < bytes.Length; split++)
        {
            var reader = new RespReader();
            var first = new ReadOnlySequence<byte>(bytes, 0, split);
            Assert.False(reader.TryRead(ref first, out _));
            var all = new ReadOnlySequence<byte>(bytes);
            Assert.True(reader.TryRead(ref all, out var result), $"not complete with split at {split}");
            AssertNested(result!);
        }
    }

    [Fact]
    public void TryRead_OneByteSegments_ParsesLinesAndBulksAcrossSegments()
    {
        var payload = new byte[300];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i % 256); // includes \r and \n bytes inside the bulk
        }

        var wire = Encoding.ASCII.GetBytes("*2\r\n$300\r\n").Concat(payload).Concat(Encoding.ASCII.GetBytes("\r\n:123456\r\n")).ToArray();
        var sequence = OneByteSegments(wire);
        var reader = new RespReader();

        Assert.True(reader.TryRead(ref sequence, out var result));

        Assert.Equal(payload, result!.Items[0].AsValue().ToByteArray());
        Assert.Equal(123456, result.Items[1].AsInt64());
        Assert.Equal(0, sequence.Length);
    }

    [Fact]
    public void TryRead_SeveralRepliesInOneBuffer_ReturnsThemInOrder()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(":1\r\n$1\r\na\r\n*1\r\n:2\r\n+OK\r\n:3"));
        var reader = new RespReader();
        List<string> seen = [];
        while (reader.TryRead(ref buffer, out var result))
        {
            seen.Add(result!.ToString());
        }

        Assert.Equal(["(integer) 1", "a", "[(integer) 2]", "OK"], seen);
        Assert.Equal(2, buffer.Length); // ":3" waits for its CRLF
    }

    [Fact]
    public void TryRead_LargeArrayArrivingInChunks_ParsesAllItems()
    {
        var sb = new StringBuilder("*10000\r\n");
        for (var i = 0; i < 10_000; i++)
        {
            sb.Append($"${i.ToString().Length}\r\n{i}\r\n");
        }

        var bytes = Encoding.ASCII.GetBytes(sb.ToString());
        var reader = new RespReader();
        RedisResult? result = null;
        for (var length = 1000; ; length = Math.Min(length + 1000, bytes.Length))
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            if (reader.TryRead(ref buffer, out result))
            {
                Assert.Equal(bytes.Length, length);
                break;
            }
        }

        Assert.Equal(10_000, result!.Items.Count);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(i, result.Items[i].AsInt64());
        }
    }

    [Theory]
    [InlineData("!3\r\nabc\r\n")] // RESP3 type, not RESP2
    [InlineData("$3\r\nabcXY")] // bulk not terminated by CRLF
    [InlineData(":12a\r\n")] // not an integer
    [InlineData("*-2\r\n")] // invalid length
    [InlineData("+OK\n")] // LF without CR
    public void TryRead_MalformedInput_ThrowsConnectionException(string wire)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));

        Assert.Throws<RedisConnectionException>(() => new RespReader().TryRead(ref buffer, out _));
    }

    [Fact]
    public void TryRead_NestingDeeperThanLimit_ThrowsConnectionException()
    {
        var wire = string.Concat(Enumerable.Repeat("*1\r\n", RespReader.MaxDepth + 1)) + ":1\r\n";
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));

        Assert.Throws<RedisConnectionException>(() => new RespReader().TryRead(ref buffer, out _));
    }

    private static RedisResult ReadOne(string wire)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(wire));
        Assert.True(new RespReader().TryRead(ref buffer, out var result));
        Assert.Equal(0, buffer.Length);
        return result!;
    }

    private static void AssertNested(RedisResult result)
    {
        Assert.Equal(RedisResultType.Array, result.Type);
        var items = result.Items;
        Assert.Equal(5, items.Count);
        Assert.Equal("OK", items[0].AsString());
        Assert.Equal(-42, items[1].AsInt64());
        Assert.Equal("he\r\no", items[2].AsString());
        var inner = items[3].Items;
        Assert.Equal(3, inner.Count);
        Assert.True(inner[0].IsNull);
        Assert.Empty(inner[1].Items);
        Assert.Equal(RedisResultType.Error, inner[2].Items[0].Type);
        Assert.Equal("ERR inner", inner[2].Items[0].AsString());
        Assert.Equal(string.Empty, inner[2].Items[1].AsString());
        Assert.True(items[4].IsNull);
    }

    private static ReadOnlySequence<byte> OneByteSegments(byte[] bytes)
    {
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < bytes.Length; i++)
        {
            last = last.Append(bytes.AsMemory(i, 1));
        }

        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
