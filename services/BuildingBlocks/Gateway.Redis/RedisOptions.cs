using System.Globalization;
using System.Text;

namespace Gateway.Redis;

/// <summary>
/// Where and how to connect. Usually parsed from <c>ConnectionStrings:Redis</c>:
/// <c>host:port[,password=...][,user=...][,db=N][,connectTimeout=ms][,commandTimeout=ms][,name=...]</c>.
/// </summary>
public sealed class RedisOptions
{
    public const int DefaultPort = 6379;

    public string Host { get; set; } = "localhost";

    public int Port { get; set; } = DefaultPort;

    /// <summary>ACL user name (Redis 6+); sent with the password as <c>AUTH user password</c>.</summary>
    public string? User { get; set; }

    /// <summary>Sent as <c>AUTH</c> on every (re)connect. Never logged or shown by <see cref="ToString"/>.</summary>
    public string? Password { get; set; }

    /// <summary>Selected with <c>SELECT</c> on every (re)connect; commands cannot change it.</summary>
    public int Database { get; set; }

    /// <summary>Bounds the TCP connect plus the handshake, for the first connect and every reconnect attempt.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a command waits for its reply; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound of the exponential backoff between reconnect attempts (which starts at 50 ms).</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Sent as <c>CLIENT SETNAME</c> on every (re)connect (no spaces allowed by Redis).</summary>
    public string? ClientName { get; set; }

    /// <summary><c>host:port</c>, with brackets around an IPv6 address.</summary>
    public string Endpoint => (Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses <c>host[:port][,password=...][,user=...][,db=N][,connectTimeout=ms][,commandTimeout=ms][,name=...]</c>.
    /// Option names are case-insensitive; the password runs to the next comma (it cannot contain one).
    /// </summary>
    /// <exception cref="FormatException">The string is malformed. The message never contains the password.</exception>
    public static RedisOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = connectionString.Split(',', StringSplitOptions.TrimEntries);
        if (parts[0].Length == 0 || parts[0].Contains('=', StringComparison.Ordinal))
        {
            throw new FormatException("The Redis connection string must start with host:port.");
        }

        var options = new RedisOptions();
        (options.Host, options.Port) = ParseEndpoint(parts[0]);
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"Redis connection string: option #{i} is not name=value.");
            }

            var name = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            switch (name.ToLowerInvariant())
            {
                case "password":
                    options.Password = value.Length == 0 ? null : value;
                    break;
                case "user":
                    options.User = value.Length == 0 ? null : value;
                    break;
                case "db":
                    options.Database = ParseInt(name, value, min: 0);
                    break;
                case "connecttimeout":
                    options.ConnectTimeout = TimeSpan.FromMilliseconds(ParseInt(name, value, min: 1));
                    break;
                case "commandtimeout":
                    options.CommandTimeout = TimeSpan.FromMilliseconds(ParseInt(name, value, min: 1));
                    break;
                case "name":
                    options.ClientName = value.Length == 0 ? null : value;
                    break;
                default:
                    throw new FormatException($"Redis connection string: unknown option '{name}'.");
            }
        }

        return options;
    }

    /// <summary>The connection string without the password (shown as <c>password=***</c>), safe to log.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Endpoint);
        if (User is not null)
        {
            sb.Append(",user=").Append(User);
        }

        if (Password is not null)
        {
            sb.Append(",password=***");
        }

        if (Database != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $",db={Database}");
        }

        if (ClientName is not null)
        {
            sb.Append(",name=").Append(ClientName);
        }

        return sb.ToString();
    }

    internal RedisOptions Clone() => (RedisOptions)MemberwiseClone();

    /// <exception cref="ArgumentException">A value is out of range.</exception>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("RedisOptions.Host is required.");
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentException("RedisOptions.Port must be between 1 and 65535.");
        }

        if (Database < 0)
        {
            throw new ArgumentException("RedisOptions.Database must not be negative.");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("RedisOptions.ConnectTimeout must be positive.");
        }

        if (CommandTimeout <= TimeSpan.Zero && CommandTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("RedisOptions.CommandTimeout must be positive or infinite.");
        }

        if (ReconnectMaxDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("RedisOptions.ReconnectMaxDelay must not be negative.");
        }

        if (User is not null && Password is null)
        {
            throw new ArgumentException("RedisOptions.User needs a Password.");
        }
    }

    private static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        string host;
        string? port = null;
        if (endpoint.StartsWith('['))
        {
            var close = endpoint.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException("Redis connection string: unterminated [IPv6] host.");
            }

            host = endpoint[1..close];
            var rest = endpoint[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    throw new FormatException("Redis connection string: expected ':' after the [IPv6] host.");
                }

                port = rest[1..];
            }
        }
        else
        {
            var colon = endpoint.LastIndexOf(':');
            if (colon >= 0 && endpoint.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                throw new FormatException("Redis connection string: write an IPv6 host in brackets, e.g. [::1]:6379.");
            }

            host = colon < 0 ? endpoint : endpoint[..colon];
            port = colon < 0 ? null : endpoint[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw new FormatException("Redis connection string: the host is empty.");
        }

        if (port is null)
        {
            return (host, DefaultPort);
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw new FormatException("Redis connection string: the port must be a number between 1 and 65535.");
        }

        return (host, number);
    }

    private static int ParseInt(string name, string value, int min)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) || number < min)
        {
            throw new FormatException($"Redis connection string: '{name}' must be an integer >= {min}.");
        }

        return number;
    }
}
