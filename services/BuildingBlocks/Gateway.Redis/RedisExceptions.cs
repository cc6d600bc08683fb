namespace Gateway.Redis;

/// <summary>Base of every exception the client throws for Redis-related failures.</summary>
public class RedisException : Exception
{
    public RedisException(string message)
        : base(message)
    {
    }

    public RedisException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The connection is down, could not be established, or died while the command was in flight.
/// A command that fails with this exception may or may not have been executed by the server: it is never re-sent.
/// </summary>
public sealed class RedisConnectionException : RedisException
{
    public RedisConnectionException(string message)
        : base(message)
    {
    }

    public RedisConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Redis answered the command with an error reply (<c>-ERR ...</c>, <c>-WRONGTYPE ...</c>). The connection stays usable.</summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException(string message)
        : base(message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        ErrorCode = space < 0 ? message : message[..space];
    }

    /// <summary>The first word of the error: <c>ERR</c>, <c>WRONGTYPE</c>, <c>NOSCRIPT</c>, <c>NOAUTH</c>, ...</summary>
    public string ErrorCode { get; }
}

/// <summary>
/// No reply arrived within the command timeout. The command may still run on the server; its reply,
/// when it comes, is read and discarded so later commands still get their own replies.
/// </summary>
public sealed class RedisTimeoutException : RedisException
{
    public RedisTimeoutException(string message)
        : base(message)
    {
    }
}
