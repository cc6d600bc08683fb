namespace Gateway.Translation.Streaming;

internal enum SseRead : byte
{
    NeedMore,
    Event,
    TooLarge,

    /// <summary>A line that is no SSE field (<c>data</c>, <c>event</c>, <c>id</c>, <c>retry</c>) nor a comment:
    /// the body is not an event stream (an HTML page, a JSON body).</summary>
    Invalid,
}

/// <summary>
/// Frames Server-Sent Events over arbitrary chunk boundaries: lines end in <c>\n</c>, <c>\r\n</c> or <c>\r</c>;
/// <c>data:</c> lines of one event are joined with <c>\n</c>; comments (<c>:</c>) and <c>id:</c>/<c>retry:</c> are
/// skipped; an event (its name and data) larger than <see cref="MaxEventBytes"/> is refused.
/// </summary>
internal sealed class SseFramer : IDisposable
{
    public const int MaxEventBytes = 1024 * 1024;

    private readonly PooledBuffer _line = new();
    private readonly PooledBuffer _data = new();
    private readonly PooledBuffer _name = new();
    private bool _hasData;
    private bool _skipLf;

    /// <summary>The current event's name (empty when none); valid until the next call.</summary>
    public ReadOnlySpan<byte> EventName => _name.Span;

    /// <summary>The current event's data; valid until the next call.</summary>
    public ReadOnlySpan<byte> Data => _data.Span;

    /// <summary>Some bytes of an unfinished event are held.</summary>
    public bool HasPending => _hasData || _line.Length > 0;

    /// <summary>Reads from <paramref name="input"/> (advancing it) up to the end of the next event.</summary>
    public SseRead Next(ref ReadOnlySpan<byte> input)
    {
        if (_dispatched)
        {
            ResetEvent();
        }

        while (!input.IsEmpty)
        {
            if (_skipLf)
            {
                _skipLf = false;
                if (input[0] == (byte)'\n')
                {
                    input = input[1..];
                    continue;
                }
            }

            var end = input.IndexOfAny((byte)'\n', (byte)'\r');
            if (end < 0)
            {
                if (_line.Length + input.Length + _data.Length > MaxEventBytes)
                {
                    return SseRead.TooLarge;
                }

                _line.Append(input);
                input = default;
                return SseRead.NeedMore;
            }

            _skipLf = input[end] == (byte)'\r';
            ReadOnlySpan<byte> line;
            if (_line.Length == 0)
            {
                line = input[..end];
            }
            else
            {
                _line.Append(input[..end]);
                line = _line.Span;
            }

            input = input[(end + 1)..];
            if (line.Length + _data.Length + _name.Length > MaxEventBytes)
            {
                return SseRead.TooLarge;
            }

            if (line.IsEmpty)
            {
                if (_hasData)
                {
                    _dispatched = true;
                    return SseRead.Event;
                }

                ResetEvent();
                continue;
            }

            var valid = ProcessLine(line);
            _line.Clear();
            if (!valid)
            {
                return SseRead.Invalid;
            }
        }

        return SseRead.NeedMore;
    }

    /// <summary>At EOF: an event whose blank line never came (the last line may lack its end too).</summary>
    public SseRead Flush()
    {
        if (_dispatched)
        {
            ResetEvent();
        }

        if (_line.Length > 0)
        {
            var valid = ProcessLine(_line.Span);
            _line.Clear();
            if (!valid)
            {
                return SseRead.Invalid;
            }
        }

        if (_hasData)
        {
            _dispatched = true;
            return SseRead.Event;
        }

        return SseRead.NeedMore;
    }

    private bool _dispatched;

    private void ResetEvent()
    {
        _dispatched = false;
        _hasData = false;
        _data.Clear();
        _name.Clear();
    }

    private bool ProcessLine(ReadOnlySpan<byte> line)
    {
        if (line[0] == (byte)':')
        {
            return true;
        }

        var colon = line.IndexOf((byte)':');
        ReadOnlySpan<byte> field;
        ReadOnlySpan<byte> value;
        if (colon < 0)
        {
            field = line;
            value = default;
        }
        else
        {
            field = line[..colon];
            value = line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }
        }

        if (field.SequenceEqual("data"u8))
        {
            if (_hasData)
            {
                _data.Append((byte)'\n');
            }

            _data.Append(value);
            _hasData = true;
        }
        else if (field.SequenceEqual("event"u8))
        {
            _name.Clear();
            _name.Append(value);
        }
        else
        {
            return field.SequenceEqual("id"u8) || field.SequenceEqual("retry"u8);
        }

        return true;
    }

    public void Dispose()
    {
        _line.Dispose();
        _data.Dispose();
        _name.Dispose();
    }
}
