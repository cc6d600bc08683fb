using System.Security.Cryptography;
using System.Text;

namespace Gateway.Simulator.Behaviour;

/// <summary>
/// The simulator's key check: any non-empty key, or exactly <see cref="SimulatorOptions.RequiredApiKey"/> when set
/// (compared in constant time). Keys are never logged or echoed.
/// </summary>
internal static class ApiKeys
{
    public static ApiError? Check(IWireFormat wire, HttpRequest request, SimulatorOptions options)
    {
        var key = wire.ReadApiKey(request);
        if (string.IsNullOrEmpty(key))
        {
            return wire.MissingApiKey;
        }

        if (string.IsNullOrEmpty(options.RequiredApiKey))
        {
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(options.RequiredApiKey))
            ? null
            : wire.InvalidApiKey;
    }

    /// <summary>The token of an <c>Authorization: Bearer &lt;token&gt;</c> header, or null.</summary>
    public static string? ReadBearer(HttpRequest request)
    {
        var authorization = request.Headers.Authorization;
        if (authorization.Count != 1 || authorization[0] is not { } value)
        {
            return null;
        }

        const string Scheme = "Bearer ";
        return value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? value[Scheme.Length..].Trim() : null;
    }
}
