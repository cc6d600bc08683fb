using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Gateway.Redis.Protocol;

/// <summary>
/// Streaming RESP2 reply parser. Feed it whatever bytes have arrived; it returns a reply once the whole reply is
/// buffered and otherwise remembers how far it got, so a reply split across reads at any byte is handled and a large
/// reply arriving in many reads is scanned once (linear, not quadratic). Parsing is two passes over a complete reply:
/// a scan that allocates nothing, then one materialising pass.
/// One instance per connection; not thread-safe.
/// </summary>
internal sealed class RespReader
{
    /// <summary>Deeper nesting than this is treated as a protocol error (Redis itself caps script replies far lower).</summary>
    internal const int MaxDepth = 256;

    private int[] _remaining = new int[8];
    private int _depth;
    private long _scanned;
    private bool _inFrame;

    /// <summary>
    /// Tries to read one complete reply from the start of <paramref name="buffer"/>. On success the buffer is sliced past
    /// the reply. On failure the buffer is unchanged and the caller must come back with the same bytes plus more.
    /// </summary>
    /// <exception cref="RedisConnectionException">The bytes are not valid RESP2.</exception>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out RedisResult? result)
    {
        if (!TryScan(buffer, out var frameLength))
        {
            result = null;
            return false;
        }

        var reader = new SequenceReader<byte>(buffer.Slice(0, frameLength));
        result = Materialize(ref reader);
        buffer = buffer.Slice(frameLength);
        _inFrame = false;
        return true;
    }

    private bool TryScan(in ReadOnlySequence<byte> buffer, out long frameLength)
    {
        if (!_inFrame)
        {
            _inFrame = true;
            _scanned = 0;
            _depth = 1;
            _remaining[0] = 1;
        }

        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(_scanned);
        while (_depth > 0)
        {
            if (_remaining[_depth - 1] == 0)
            {
                _depth--;
                continue;
            }

            if (!reader.TryRead(out var prefix) || !TryReadLine(ref reader, out var line))
            {
                frameLength = 0;
                return false;
            }

            switch (prefix)
            {
                case (byte)'+':
                case (byte)'-':
                    break;
                case (byte)':':
                    ParseInteger(line);
                    break;
                case (byte)'$':
                    var length = ParseLength(line);
                    if (length >= 0)
                    {
                        if (reader.Remaining < length + 2)
                        {
                            frameLength = 0;
                            return false;
                        }

                        reader.Advance(length);
                        ExpectCrLf(ref reader);
                    }

                    break;
                case (byte)'*':
                    var count = ParseLength(line);
                    _remaining[_depth - 1]--;
                    if (count > 0)
                    {
                        Push((int)count);
                    }

                    _scanned = reader.Consumed;
                    continue;
                default:
                    throw ProtocolError($"unexpected reply type byte 0x{prefix:x2}");
            }

            _remaining[_depth - 1]--;
            _scanned = reader.Consumed;
        }

        frameLength = _scanned;
        return true;
    }

    private void Push(int count)
    {
        if (_depth >= MaxDepth)
        {
            throw ProtocolError("arrays nested too deeply");
        }

        if (_depth == _remaining.Length)
        {
            Array.Resize(ref _remaining, _remaining.Length * 2);
        }

        _remaining[_depth++] = count;
    }

    // Only called on a complete, already validated reply.
    private static RedisResult Materialize(ref SequenceReader<byte> reader)
    {
        reader.TryRead(out var prefix);
        TryReadLine(ref reader, out var line);
        switch (prefix)
        {
            case (byte)'+':
                return SimpleString(line);
            case (byte)'-':
                return RedisResult.Error(Encoding.UTF8.GetString(line));
            case (byte)':':
                return RedisResult.Integer(ParseInteger(line));
            case (byte)'$':
                var length = ParseLength(line);
                if (length < 0)
                {
                    return RedisResult.Null;
                }

                var bytes = length == 0 ? [] : new byte[length];
                reader.TryCopyTo(bytes);
                reader.Advance(length + 2);
                return RedisResult.Bulk(bytes);
            default: // '*'
                var count = ParseLength(line);
                if (count < 0)
                {
                    return RedisResult.Null;
                }

                var items = count == 0 ? [] : new RedisResult[count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = Materialize(ref reader);
                }

                return RedisResult.Array(items);
        }
    }

    private static RedisResult SimpleString(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("OK"u8))
        {
            return RedisResult.Ok;
        }

        if (line.SequenceEqual("PONG"u8))
        {
            return RedisResult.Pong;
        }

        if (line.SequenceEqual("QUEUED"u8))
        {
            return RedisResult.Queued;
        }

        return RedisResult.SimpleString(Encoding.UTF8.GetString(line));
    }

    // A line ends with CRLF; the span excludes it. Allocates only when the line straddles two buffer segments.
    private static bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySpan<byte> line)
    {
        if (!reader.TryReadTo(out line, (byte)'\n'))
        {
            return false;
        }

        if (line.Length == 0 || line[^1] != (byte)'\r')
        {
            throw ProtocolError("line not terminated by CRLF");
        }

        line = line[..^1];
        return true;
    }

    private static void ExpectCrLf(ref SequenceReader<byte> reader)
    {
        if (!reader.TryRead(out var cr) || !reader.TryRead(out var lf) || cr != (byte)'\r' || lf != (byte)'\n')
        {
            throw ProtocolError("bulk string not terminated by CRLF");
        }
    }

    private static long ParseInteger(ReadOnlySpan<byte> line)
    {
        if (!Utf8Parser.TryParse(line, out long value, out var consumed) || consumed != line.Length)
        {
            throw ProtocolError("invalid integer");
        }

        return value;
    }

    // Bulk and array lengths: -1 (null) up to int.MaxValue.
    private static long ParseLength(ReadOnlySpan<byte> line)
    {
        var value = ParseInteger(line);
        if (value < -1 || value > int.MaxValue)
        {
            throw ProtocolError("invalid length");
        }

        return value;
    }

    private static RedisConnectionException ProtocolError(string detail) =>
        new($"Redis protocol error: {detail}. The connection is closed.");
}
