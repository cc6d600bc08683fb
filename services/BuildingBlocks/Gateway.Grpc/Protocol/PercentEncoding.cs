using System.Buffers;
using System.Text;

namespace Gateway.Grpc.Protocol;

/// <summary>
/// grpc-message encoding: the UTF-8 bytes of the text, with every byte outside 0x20-0x7E, and '%' itself,
/// written as %XX. Decoding tolerates malformed escapes by keeping them literally, as the spec asks.
/// </summary>
internal static class PercentEncoding
{
    public static string Encode(string value)
    {
        if (!NeedsEncoding(value))
        {
            return value;
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        var rented = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var count = Encoding.UTF8.GetBytes(value, rented);
            var builder = new StringBuilder(count * 3);
            for (var i = 0; i < count; i++)
            {
                var b = rented[i];
                if (b is < 0x20 or > 0x7E or (byte)'%')
                {
                    builder.Append('%').Append(HexUpper(b >> 4)).Append(HexUpper(b & 0xF));
                }
                else
                {
                    builder.Append((char)b);
                }
            }

            return builder.ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static string Decode(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = new ArrayBufferWriter<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && TryHex(value[i + 1], out var high) && TryHex(value[i + 2], out var low))
            {
                bytes.GetSpan(1)[0] = (byte)((high << 4) | low);
                bytes.Advance(1);
                i += 2;
            }
            else if (c < 0x80)
            {
                // Not a valid escape: keep it literally.
                bytes.GetSpan(1)[0] = (byte)c;
                bytes.Advance(1);
            }
            else
            {
                // A lenient peer sent non-ASCII text raw: keep it too.
                Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var consumed);
                bytes.Advance(rune.EncodeToUtf8(bytes.GetSpan(4)));
                i += consumed - 1;
            }
        }

        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }

    private static bool NeedsEncoding(string value)
    {
        foreach (var c in value)
        {
            if (c is < (char)0x20 or > (char)0x7E or '%')
            {
                return true;
            }
        }

        return false;
    }

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
