using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Redis;

/// <summary>
/// A value sent to or read from Redis: null, a string, a byte sequence, an integer or a double.
/// A struct so that passing arguments and reading replies does not allocate beyond the payload itself.
/// Redis itself only knows byte strings: numbers are sent in their decimal text form, and two values are
/// equal when their wire bytes are equal (so <c>(RedisValue)5 == (RedisValue)"5"</c>).
/// </summary>
public readonly struct RedisValue : IEquatable<RedisValue>
{
    private enum Kind : byte
    {
        Null = 0,
        Int64,
        Double,
        String,
        Bytes,
    }

    // String: the string; Bytes: the byte[]; otherwise null.
    private readonly object? _obj;
    // Int64: the value; Double: its bits; Bytes: offset << 32 | length.
    private readonly long _num;
    private readonly Kind _kind;

    private RedisValue(object? obj, long num, Kind kind)
    {
        _obj = obj;
        _num = num;
        _kind = kind;
    }

    /// <summary>The null value (a missing key, a null bulk string). <c>default(RedisValue)</c> is null too.</summary>
    public static RedisValue Null => default;

    /// <summary>The empty string.</summary>
    public static RedisValue EmptyString { get; } = new(string.Empty, 0, Kind.String);

    public bool IsNull => _kind == Kind.Null;

    public bool HasValue => _kind != Kind.Null;

    /// <summary>True for null and for a zero-length string or byte sequence.</summary>
    public bool IsNullOrEmpty => _kind switch
    {
        Kind.Null => true,
        Kind.String => ((string)_obj!).Length == 0,
        Kind.Bytes => (int)_num == 0,
        _ => false,
    };

    /// <summary>True when the value holds an integer (not a string that could be parsed as one).</summary>
    public bool IsInteger => _kind == Kind.Int64;

    public static implicit operator RedisValue(string? value) => value is null ? default : new(value, 0, Kind.String);

    public static implicit operator RedisValue(long value) => new(null, value, Kind.Int64);

    public static implicit operator RedisValue(int value) => new(null, value, Kind.Int64);

    public static implicit operator RedisValue(double value) => new(null, BitConverter.DoubleToInt64Bits(value), Kind.Double);

    /// <summary>Wraps the array without copying it: do not change it while a command using it is in flight.</summary>
    public static implicit operator RedisValue(byte[]? value) => value is null ? default : new(value, (uint)value.Length, Kind.Bytes);

    /// <summary>Wraps array-backed memory without copying; other memory is copied.</summary>
    public static implicit operator RedisValue(ReadOnlyMemory<byte> value)
    {
        if (MemoryMarshal.TryGetArray(value, out var segment) && segment.Array is not null)
        {
            return new RedisValue(segment.Array, ((long)segment.Offset << 32) | (uint)segment.Count, Kind.Bytes);
        }

        var copy = value.ToArray();
        return new RedisValue(copy, (uint)copy.Length, Kind.Bytes);
    }

    /// <summary>The value as text; null for <see cref="Null"/>.</summary>
    public static explicit operator string?(RedisValue value) => value.IsNull ? null : value.ToString();

    public static explicit operator long(RedisValue value) => value.ToInt64();

    public static explicit operator double(RedisValue value) => value.ToDouble();

    /// <summary>The bytes; null for <see cref="Null"/>. Returns the wrapped array itself when it is used whole.</summary>
    public static explicit operator byte[]?(RedisValue value) => value.ToByteArray();

    public static bool operator ==(RedisValue left, RedisValue right) => left.Equals(right);

    public static bool operator !=(RedisValue left, RedisValue right) => !left.Equals(right);

    /// <summary>The value as text (UTF-8 decoded for bytes); the empty string for <see cref="Null"/>.</summary>
    public override string ToString() => _kind switch
    {
        Kind.Null => string.Empty,
        Kind.String => (string)_obj!,
        Kind.Int64 => _num.ToString(CultureInfo.InvariantCulture),
        Kind.Double => FormatDouble(BitConverter.Int64BitsToDouble(_num)),
        _ => Encoding.UTF8.GetString(BytesSpan),
    };

    /// <summary>The value as an integer.</summary>
    /// <exception cref="InvalidCastException">The value is null or not an integer.</exception>
    public long ToInt64()
    {
        if (TryParse(out long value))
        {
            return value;
        }

        throw new InvalidCastException(IsNull ? "The Redis value is null, not an integer." : "The Redis value is not an integer.");
    }

    /// <summary>The value as a double.</summary>
    /// <exception cref="InvalidCastException">The value is null or not a number.</exception>
    public double ToDouble()
    {
        if (TryParse(out double value))
        {
            return value;
        }

        throw new InvalidCastException(IsNull ? "The Redis value is null, not a number." : "The Redis value is not a number.");
    }

    public bool TryParse(out long value)
    {
        switch (_kind)
        {
            case Kind.Int64:
                value = _num;
                return true;
            case Kind.Double:
                var d = BitConverter.Int64BitsToDouble(_num);
                if (d >= long.MinValue && d <= long.MaxValue && Math.Floor(d) == d)
                {
                    value = (long)d;
                    return true;
                }

                value = 0;
                return false;
            case Kind.String:
                return long.TryParse((string)_obj!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
            case Kind.Bytes:
                return Utf8Parser.TryParse(BytesSpan, out value, out int consumed) && consumed == (int)_num && consumed > 0;
            default:
                value = 0;
                return false;
        }
    }

    public bool TryParse(out double value)
    {
        switch (_kind)
        {
            case Kind.Int64:
                value = _num;
                return true;
            case Kind.Double:
                value = BitConverter.Int64BitsToDouble(_num);
                return true;
            case Kind.String:
                return TryParseDouble(((string)_obj!).AsSpan(), out value);
            case Kind.Bytes:
                var bytes = BytesSpan;
                if (bytes.Length > 64)
                {
                    value = 0;
                    return false;
                }

                Span<char> chars = stackalloc char[bytes.Length];
                for (var i = 0; i < bytes.Length; i++)
                {
                    chars[i] = (char)bytes[i];
                }

                return TryParseDouble(chars, out value);
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>
    /// The bytes of the value. No copy for byte values; strings and numbers are encoded into a new array.
    /// Empty for <see cref="Null"/>.
    /// </summary>
    public ReadOnlyMemory<byte> AsMemory() => _kind switch
    {
        Kind.Null => ReadOnlyMemory<byte>.Empty,
        Kind.Bytes => new ReadOnlyMemory<byte>((byte[])_obj!, (int)(_num >> 32), (int)_num),
        Kind.String => Encoding.UTF8.GetBytes((string)_obj!),
        _ => Encoding.ASCII.GetBytes(ToString()),
    };

    /// <summary>The bytes; null for <see cref="Null"/>. Returns the wrapped array itself when it is used whole.</summary>
    public byte[]? ToByteArray()
    {
        if (_kind == Kind.Null)
        {
            return null;
        }

        if (_kind == Kind.Bytes)
        {
            var array = (byte[])_obj!;
            return (_num >> 32) == 0 && (int)_num == array.Length ? array : BytesSpan.ToArray();
        }

        return AsMemory().ToArray();
    }

    public bool Equals(RedisValue other)
    {
        if (_kind == Kind.Null || other._kind == Kind.Null)
        {
            return _kind == other._kind;
        }

        if (_kind == Kind.Int64 && other._kind == Kind.Int64)
        {
            return _num == other._num;
        }

        if (_kind == Kind.String && other._kind == Kind.String)
        {
            return string.Equals((string)_obj!, (string)other._obj!, StringComparison.Ordinal);
        }

        if (_kind == Kind.Bytes && other._kind == Kind.Bytes)
        {
            return BytesSpan.SequenceEqual(other.BytesSpan);
        }

        // Mixed kinds: compare the wire bytes.
        byte[]? rentedA = null, rentedB = null;
        try
        {
            var a = GetWireBytes(ref rentedA, out var lengthA);
            var b = other.GetWireBytes(ref rentedB, out var lengthB);
            return a[..lengthA].SequenceEqual(b[..lengthB]);
        }
        finally
        {
            if (rentedA is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedA);
            }

            if (rentedB is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedB);
            }
        }
    }

    public override bool Equals(object? obj) => obj is RedisValue other && Equals(other);

    public override int GetHashCode()
    {
        if (_kind == Kind.Null)
        {
            return 0;
        }

        byte[]? rented = null;
        try
        {
            var bytes = GetWireBytes(ref rented, out var length);
            var hash = new HashCode();
            hash.AddBytes(bytes[..length]);
            return hash.ToHashCode();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    internal bool IsStringKind => _kind == Kind.String;

    internal bool IsBytesKind => _kind == Kind.Bytes;

    internal string StringValue => (string)_obj!;

    internal ReadOnlySpan<byte> BytesSpan => new((byte[])_obj!, (int)(_num >> 32), (int)_num);

    /// <summary>Writes the decimal form of a number value; only for <see cref="Kind.Int64"/> and <see cref="Kind.Double"/>.</summary>
    internal int FormatNumber(Span<byte> destination)
    {
        if (_kind == Kind.Int64)
        {
            _num.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture);
            return written;
        }

        var text = FormatDouble(BitConverter.Int64BitsToDouble(_num));
        return Encoding.ASCII.GetBytes(text, destination);
    }

    /// <summary>Longest decimal form of a number value: "-9223372036854775808" or a round-trip double.</summary>
    internal const int MaxNumberLength = 32;

    private ReadOnlySpan<byte> GetWireBytes(ref byte[]? rented, out int length)
    {
        switch (_kind)
        {
            case Kind.Bytes:
                length = (int)_num;
                return BytesSpan;
            case Kind.String:
                var s = (string)_obj!;
                rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(s.Length));
                length = Encoding.UTF8.GetBytes(s, rented);
                return rented;
            default:
                rented = ArrayPool<byte>.Shared.Rent(MaxNumberLength);
                length = FormatNumber(rented);
                return rented;
        }
    }

    private static string FormatDouble(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-inf";
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static bool TryParseDouble(ReadOnlySpan<char> text, out double value)
    {
        if (text.Equals("+inf", StringComparison.OrdinalIgnoreCase) || text.Equals("inf", StringComparison.OrdinalIgnoreCase))
        {
            value = double.PositiveInfinity;
            return true;
        }

        if (text.Equals("-inf", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NegativeInfinity;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
