using System.Text;

namespace Gateway.Redis;

/// <summary>The RESP2 reply types.</summary>
public enum RedisResultType
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    /// <summary>A null bulk string (<c>$-1</c>) or a null array (<c>*-1</c>).</summary>
    Null,
}

/// <summary>
/// One reply from Redis. A top-level error reply is thrown as <see cref="RedisServerException"/> instead;
/// errors nested inside an array (a script returning <c>redis.error_reply</c> in a table) appear as items of type <see cref="RedisResultType.Error"/>.
/// Immutable; common replies (OK, small integers, null, empty array) are shared instances.
/// </summary>
public sealed class RedisResult
{
    private const int CachedIntegerMin = -1;
    private const int CachedIntegerMax = 255;

    private static readonly RedisResult[] CachedIntegers = CreateCachedIntegers();

    private readonly RedisValue _value;
    private readonly RedisResult[]? _items;

    private RedisResult(RedisResultType type, RedisValue value, RedisResult[]? items)
    {
        Type = type;
        _value = value;
        _items = items;
    }

    public static RedisResult Null { get; } = new(RedisResultType.Null, default, null);

    internal static RedisResult Ok { get; } = new(RedisResultType.SimpleString, "OK", null);

    internal static RedisResult Pong { get; } = new(RedisResultType.SimpleString, "PONG", null);

    internal static RedisResult Queued { get; } = new(RedisResultType.SimpleString, "QUEUED", null);

    internal static RedisResult EmptyArray { get; } = new(RedisResultType.Array, default, []);

    internal static RedisResult EmptyBulk { get; } = new(RedisResultType.BulkString, RedisValue.EmptyString, null);

    public RedisResultType Type { get; }

    public bool IsNull => Type == RedisResultType.Null;

    /// <summary>The items of an array reply; empty for a null reply.</summary>
    /// <exception cref="InvalidCastException">The reply is not an array.</exception>
    public IReadOnlyList<RedisResult> Items => Type switch
    {
        RedisResultType.Array => _items!,
        RedisResultType.Null => [],
        _ => throw new InvalidCastException($"A {Type} reply has no items."),
    };

    /// <summary>The reply as an integer: integer replies, and strings holding an integer.</summary>
    /// <exception cref="InvalidCastException">The reply is null, an array, or not an integer.</exception>
    public long AsInt64()
    {
        if (Type == RedisResultType.Integer)
        {
            return _value.ToInt64();
        }

        if (Type is RedisResultType.BulkString or RedisResultType.SimpleString && _value.TryParse(out long value))
        {
            return value;
        }

        throw new InvalidCastException($"A {Type} reply is not an integer.");
    }

    /// <summary>The reply as a double: integers, and strings holding a number.</summary>
    /// <exception cref="InvalidCastException">The reply is null, an array, or not a number.</exception>
    public double AsDouble()
    {
        if (Type is RedisResultType.Integer or RedisResultType.BulkString or RedisResultType.SimpleString && _value.TryParse(out double value))
        {
            return value;
        }

        throw new InvalidCastException($"A {Type} reply is not a number.");
    }

    /// <summary>The reply as text; null for a null reply; the message for a nested error.</summary>
    /// <exception cref="InvalidCastException">The reply is an array.</exception>
    public string? AsString() => Type switch
    {
        RedisResultType.Null => null,
        RedisResultType.Array => throw new InvalidCastException("An array reply is not a string."),
        _ => _value.ToString(),
    };

    /// <summary>The reply as a <see cref="RedisValue"/>; <see cref="RedisValue.Null"/> for a null reply.</summary>
    /// <exception cref="InvalidCastException">The reply is an array.</exception>
    public RedisValue AsValue() => Type == RedisResultType.Array
        ? throw new InvalidCastException("An array reply is not a single value.")
        : _value;

    public override string ToString()
    {
        switch (Type)
        {
            case RedisResultType.Null:
                return "(nil)";
            case RedisResultType.Error:
                return "(error) " + _value.ToString();
            case RedisResultType.Integer:
                return "(integer) " + _value.ToString();
            case RedisResultType.Array:
                var sb = new StringBuilder("[");
                for (var i = 0; i < _items!.Length; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    sb.Append(_items[i]);
                }

                return sb.Append(']').ToString();
            default:
                return _value.ToString();
        }
    }

    internal static RedisResult Integer(long value) =>
        value is >= CachedIntegerMin and <= CachedIntegerMax
            ? CachedIntegers[value - CachedIntegerMin]
            : new RedisResult(RedisResultType.Integer, value, null);

    internal static RedisResult SimpleString(string value) => new(RedisResultType.SimpleString, value, null);

    internal static RedisResult Error(string message) => new(RedisResultType.Error, message, null);

    internal static RedisResult Bulk(byte[] value) =>
        value.Length == 0 ? EmptyBulk : new RedisResult(RedisResultType.BulkString, value, null);

    internal static RedisResult Array(RedisResult[] items) =>
        items.Length == 0 ? EmptyArray : new RedisResult(RedisResultType.Array, default, items);

    /// <summary>True when this is a string reply whose bytes equal <paramref name="ascii"/>.</summary>
    internal bool IsBulkEqualTo(ReadOnlySpan<byte> ascii) =>
        Type == RedisResultType.BulkString && _value.IsBytesKind && _value.BytesSpan.SequenceEqual(ascii);

    internal string ErrorMessage => _value.ToString();

    private static RedisResult[] CreateCachedIntegers()
    {
        var cache = new RedisResult[CachedIntegerMax - CachedIntegerMin + 1];
        for (var i = 0; i < cache.Length; i++)
        {
            cache[i] = new RedisResult(RedisResultType.Integer, (long)(i + CachedIntegerMin), null);
        }

        return cache;
    }
}
