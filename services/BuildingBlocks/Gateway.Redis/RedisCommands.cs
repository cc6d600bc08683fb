using System.Diagnostics;

namespace Gateway.Redis;

/// <summary>Condition of a <c>SET</c>.</summary>
public enum When
{
    Always,
    /// <summary><c>NX</c>: only if the key does not exist.</summary>
    NotExists,
    /// <summary><c>XX</c>: only if the key exists.</summary>
    Exists,
}

/// <summary>Typed helpers for common commands. Anything else: <see cref="RedisConnection.ExecuteAsync(string, RedisValue[])"/>.</summary>
public static class RedisCommands
{
    /// <summary><c>GET</c>; <see cref="RedisValue.Null"/> when the key does not exist.</summary>
    public static async Task<RedisValue> StringGetAsync(this RedisConnection connection, string key, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var reply = await connection.SendAsync("GET", [key], ct).ConfigureAwait(false);
        return reply.AsValue();
    }

    /// <summary><c>SET key value [PX ms] [NX|XX]</c>; false when the NX/XX condition was not met.</summary>
    public static async Task<bool> StringSetAsync(this RedisConnection connection, string key, RedisValue value, TimeSpan? expiry = null, When when = When.Always, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var count = 2 + (expiry.HasValue ? 2 : 0) + (when == When.Always ? 0 : 1);
        var args = new RedisValue[count];
        args[0] = key;
        args[1] = value;
        var i = 2;
        if (expiry.HasValue)
        {
            args[i++] = "PX";
            args[i++] = ToMilliseconds(expiry.Value);
        }

        if (when != When.Always)
        {
            args[i] = when == When.NotExists ? "NX" : "XX";
        }

        var reply = await connection.SendAsync("SET", args, ct).ConfigureAwait(false);
        return !reply.IsNull;
    }

    /// <summary><c>DEL key</c>; true when the key existed.</summary>
    public static async Task<bool> KeyDeleteAsync(this RedisConnection connection, string key, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var reply = await connection.SendAsync("DEL", [key], ct).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    /// <summary><c>DEL key...</c>; the number of keys that existed.</summary>
    public static async Task<long> KeyDeleteAsync(this RedisConnection connection, string[] keys, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Length == 0)
        {
            return 0;
        }

        var reply = await connection.SendAsync("DEL", ToValues(keys), ct).ConfigureAwait(false);
        return reply.AsInt64();
    }

    /// <summary><c>EXISTS key</c>.</summary>
    public static async Task<bool> KeyExistsAsync(this RedisConnection connection, string key, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var reply = await connection.SendAsync("EXISTS", [key], ct).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    /// <summary><c>PEXPIRE key ms</c>, or <c>PERSIST key</c> when <paramref name="expiry"/> is null; false when the key does not exist (or had no expiry to remove).</summary>
    public static async Task<bool> KeyExpireAsync(this RedisConnection connection, string key, TimeSpan? expiry, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var reply = expiry.HasValue
            ? await connection.SendAsync("PEXPIRE", [key, ToMilliseconds(expiry.Value)], ct).ConfigureAwait(false)
            : await connection.SendAsync("PERSIST", [key], ct).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    /// <summary><c>PTTL key</c>: null when the key does not exist or has no expiry.</summary>
    public static async Task<TimeSpan?> KeyTimeToLiveAsync(this RedisConnection connection, string key, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var reply = await connection.SendAsync("PTTL", [key], ct).ConfigureAwait(false);
        var ms = reply.AsInt64();
        return ms < 0 ? null : TimeSpan.FromMilliseconds(ms);
    }

    /// <summary><c>INCRBY key by</c> (<c>INCR</c> for 1); the new value.</summary>
    public static async Task<long> IncrementAsync(this RedisConnection connection, string key, long by = 1, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var reply = by == 1
            ? await connection.SendAsync("INCR", [key], ct).ConfigureAwait(false)
            : await connection.SendAsync("INCRBY", [key, by], ct).ConfigureAwait(false);
        return reply.AsInt64();
    }

    /// <summary><c>HSET key field value</c>; true when the field is new.</summary>
    public static async Task<bool> HashSetAsync(this RedisConnection connection, string key, string field, RedisValue value, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(field);
        var reply = await connection.SendAsync("HSET", [key, field, value], ct).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    /// <summary><c>HSET key field value [field value ...]</c>; the number of new fields.</summary>
    public static Task<long> HashSetAsync(this RedisConnection connection, string key, IEnumerable<KeyValuePair<string, RedisValue>> fields, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fields);
        List<RedisValue> args = [key];
        foreach (var (field, value) in fields)
        {
            args.Add(field);
            args.Add(value);
        }

        return HashSetCoreAsync(connection, args.ToArray(), ct);
    }

    /// <summary><c>HSET key field value [field value ...]</c>; the number of new fields.</summary>
    public static Task<long> HashSetAsync(this RedisConnection connection, string key, ReadOnlySpan<(string Field, RedisValue Value)> fields, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var args = new RedisValue[1 + (fields.Length * 2)];
        args[0] = key;
        for (var i = 0; i < fields.Length; i++)
        {
            args[1 + (i * 2)] = fields[i].Field ?? throw new ArgumentException("A field name is null.", nameof(fields));
            args[2 + (i * 2)] = fields[i].Value;
        }

        return HashSetCoreAsync(connection, args, ct);
    }

    /// <summary><c>HGET key field</c>; <see cref="RedisValue.Null"/> when missing.</summary>
    public static async Task<RedisValue> HashGetAsync(this RedisConnection connection, string key, string field, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(field);
        var reply = await connection.SendAsync("HGET", [key, field], ct).ConfigureAwait(false);
        return reply.AsValue();
    }

    /// <summary><c>HGETALL key</c>; empty when the key does not exist.</summary>
    public static async Task<Dictionary<string, RedisValue>> HashGetAllAsync(this RedisConnection connection, string key, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var reply = await connection.SendAsync("HGETALL", [key], ct).ConfigureAwait(false);
        var items = reply.Items;
        var result = new Dictionary<string, RedisValue>(items.Count / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Count; i += 2)
        {
            result[items[i].AsString()!] = items[i + 1].AsValue();
        }

        return result;
    }

    /// <summary><c>HINCRBY key field by</c>; the new value.</summary>
    public static async Task<long> HashIncrementAsync(this RedisConnection connection, string key, string field, long by = 1, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(field);
        var reply = await connection.SendAsync("HINCRBY", [key, field, by], ct).ConfigureAwait(false);
        return reply.AsInt64();
    }

    /// <summary><c>HDEL key field</c>; true when the field existed.</summary>
    public static async Task<bool> HashDeleteAsync(this RedisConnection connection, string key, string field, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(field);
        var reply = await connection.SendAsync("HDEL", [key, field], ct).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    /// <summary><c>PING</c>; the round-trip time.</summary>
    /// <exception cref="RedisException">No PONG (connection down, timeout, or an error reply).</exception>
    public static async Task<TimeSpan> PingAsync(this RedisConnection connection, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var reply = await connection.SendAsync("PING", [], ct).ConfigureAwait(false);
        if (reply.AsString() != "PONG")
        {
            throw new RedisException($"PING answered '{reply}' instead of PONG.");
        }

        return Stopwatch.GetElapsedTime(started);
    }

    private static async Task<long> HashSetCoreAsync(RedisConnection connection, RedisValue[] args, CancellationToken ct)
    {
        if (args.Length == 1)
        {
            return 0;
        }

        var reply = await connection.SendAsync("HSET", args, ct).ConfigureAwait(false);
        return reply.AsInt64();
    }

    private static RedisValue[] ToValues(string[] keys)
    {
        var values = new RedisValue[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            values[i] = keys[i] ?? throw new ArgumentException("A key is null.", nameof(keys));
        }

        return values;
    }

    private static long ToMilliseconds(TimeSpan expiry)
    {
        var ms = (long)Math.Ceiling(expiry.TotalMilliseconds);
        return ms > 0 ? ms : throw new ArgumentOutOfRangeException(nameof(expiry), "An expiry must be positive.");
    }
}
