using System.Security.Cryptography;

namespace Gateway.Ingress.Chat;

/// <summary>Request ids: <c>req_</c> + 24 lowercase hex characters (96 random bits), generated for every request.</summary>
internal static class RequestIds
{
    public const string Header = "x-request-id";
    public const string ClientHeader = "x-client-request-id";
    public const int MaxClientIdLength = 128;

    public static string New() => string.Create(28, 0, static (chars, _) =>
    {
        Span<byte> random = stackalloc byte[12];
        RandomNumberGenerator.Fill(random);
        "req_".CopyTo(chars);
        Convert.TryToHexStringLower(random, chars[4..], out _);
    });

    /// <summary>Sets <c>x-request-id</c> and echoes a short, printable inbound <c>x-request-id</c> as
    /// <c>x-client-request-id</c>.</summary>
    public static string Assign(HttpContext context)
    {
        var id = New();
        var headers = context.Response.Headers;
        headers[Header] = id;
        var inbound = context.Request.Headers[Header];
        if (inbound.Count == 1 && IsEchoable(inbound[0]))
        {
            headers[ClientHeader] = inbound[0];
        }

        return id;
    }

    internal static bool IsEchoable(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxClientIdLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < (char)0x20 or > (char)0x7E)
            {
                return false;
            }
        }

        return true;
    }
}
