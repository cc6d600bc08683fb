using System.Buffers;
using System.Text;
using Gateway.Redis.Protocol;

namespace Gateway.Redis.Tests.Protocol;

public sealed class RespWriterTests
{
    [Fact]
    public void WriteCommand_MixedArguments_WritesArrayOfBulkStrings()
    {
        var output = new ArrayBufferWriter<byte>();

        RespWriter.WriteCommand(output, "SET", ["key", 42L, 1.5, new byte[] { 0, 13, 10 }, RedisValue.Null, "héllo", double.PositiveInfinity]);

        var expected = "*8\r\n$3\r\nSET\r\n$3\r\nkey\r\n$2\r\n42\r\n$3\r\n1.5\r\n$3\r\n\0\r\n\r\n$0\r\n\r\n$6\r\nhéllo\r\n$4\r\n+inf\r\n";
        Assert.Equal(Encoding.UTF8.GetBytes(expected), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteCommand_LargeUtf8String_WritesByteLengthAndAllBytes()
    {
        var output = new ArrayBufferWriter<byte>();
        var value = string.Concat(Enumerable.Repeat("ü€x", 100_000));

        RespWriter.WriteCommand(output, "ECHO", [value]);

        var bytes = Encoding.UTF8.GetBytes(value);
        var expected = Encoding.ASCII.GetBytes($"*2\r\n$4\r\nECHO\r\n${bytes.Length}\r\n").Concat(bytes).Concat("\r\n"u8.ToArray()).ToArray();
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void WriteCommand_MemorySlice_WritesOnlyTheSlice()
    {
        var output = new ArrayBufferWriter<byte>();
        var array = "0123456789"u8.ToArray();

        RespWriter.WriteCommand(output, "ECHO", [new ReadOnlyMemory<byte>(array, 3, 4)]);

        Assert.Equal("*2\r\n$4\r\nECHO\r\n$4\r\n3456\r\n"u8.ToArray(), output.WrittenSpan.ToArray());
    }
}
