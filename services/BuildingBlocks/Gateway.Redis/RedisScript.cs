using System.Security.Cryptography;
using System.Text;

namespace Gateway.Redis;

/// <summary>
/// A Lua script and its SHA1, computed once. Create one instance per script (a static field) and run it with
/// <see cref="RedisConnection.EvaluateAsync(RedisScript, string[], RedisValue[], CancellationToken)"/>, which sends
/// <c>EVALSHA</c> and falls back to <c>EVAL</c> (which also caches the script on the server) on <c>NOSCRIPT</c>.
/// </summary>
public sealed class RedisScript
{
    public RedisScript(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        Source = source;
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));
    }

    public string Source { get; }

    /// <summary>The lowercase hex SHA1 of the UTF-8 source, as Redis computes it for EVALSHA.</summary>
    public string Sha1 { get; }

    public override string ToString() => Sha1;
}
