using System.Buffers;
using System.Text;

namespace Gateway.Redis.Protocol;

/// <summary>
/// Writes a command as a RESP2 array of bulk strings straight into the connection's (pooled) output buffer:
/// <c>*N\r\n$len\r\ncommand\r\n$len\r\narg\r\n...</c>. Numbers are formatted in place; strings are UTF-8 encoded in place.
/// A null argument is sent as the empty string (RESP has no null request argument).
/// </summary>
internal static class RespWriter
{
    // '$' or '*', up to 11 digits for an int length, CRLF.
    private const int MaxHeaderLength = 16;

    public static void WriteCommand(IBufferWriter<byte> writer, string command, ReadOnlySpan<RedisValue> args)
    {
        WriteHeader(writer, (byte)'*', args.Length + 1);
        WriteString(writer, command);
        foreach (ref readonly var arg in args)
        {
            WriteArgument(writer, in arg);
        }
    }

    private static void WriteArgument(IBufferWriter<byte> writer, in RedisValue value)
    {
        if (value.IsNull)
        {
            writer.Write("$0\r\n\r\n"u8);
        }
        else if (value.IsStringKind)
        {
            WriteString(writer, value.StringValue);
        }
        else if (value.IsBytesKind)
        {
            var bytes = value.BytesSpan;
            WriteHeader(writer, (byte)'$', bytes.Length);
            writer.Write(bytes);
            WriteCrLf(writer);
        }
        else
        {
            Span<byte> number = stackalloc byte[RedisValue.MaxNumberLength];
            var length = value.FormatNumber(number);
            WriteHeader(writer, (byte)'$', length);
            writer.Write(number[..length]);
            WriteCrLf(writer);
        }
    }

    private static void WriteString(IBufferWriter<byte> writer, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteHeader(writer, (byte)'$', length);
        if (length <= 512)
        {
            var span = writer.GetSpan(length + 2);
            Encoding.UTF8.GetBytes(value, span);
            span[length] = (byte)'\r';
            span[length + 1] = (byte)'\n';
            writer.Advance(length + 2);
        }
        else
        {
            // Large strings are encoded in chunks rather than into one huge buffer.
            Encoding.UTF8.GetBytes(value.AsSpan(), writer);
            WriteCrLf(writer);
        }
    }

    private static void WriteHeader(IBufferWriter<byte> writer, byte prefix, int count)
    {
        var span = writer.GetSpan(MaxHeaderLength);
        span[0] = prefix;
        count.TryFormat(span[1..], out var digits, default, System.Globalization.CultureInfo.InvariantCulture);
        span[digits + 1] = (byte)'\r';
        span[digits + 2] = (byte)'\n';
        writer.Advance(digits + 3);
    }

    private static void WriteCrLf(IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(2);
        span[0] = (byte)'\r';
        span[1] = (byte)'\n';
        writer.Advance(2);
    }
}
