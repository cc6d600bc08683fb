using System.Globalization;
using System.Security.Cryptography;

namespace Gateway.AppHost;

/// <summary>The knobs of the local gateway stack (see <see cref="GatewayStack.Define"/>).</summary>
public sealed class GatewayStackOptions
{
    public const int DefaultPublicPort = 5080;
    public const int DefaultAdminPort = 5081;

    /// <summary>The simulated model of the default catalog (services/Gateway.Routing/catalog.json).</summary>
    public const string DemoModel = "sim-gpt";

    /// <summary>Bearer token of the Ingress admin listener (<c>Ingress__AdminToken</c>).</summary>
    public required string AdminToken { get; init; }

    /// <summary>HMAC key for API-key hashes (<c>Auth__KeyPepper</c>, at least 32 characters).</summary>
    public required string KeyPepper { get; init; }

    /// <summary>The key the gateway presents to the simulator (<c>SIMULATOR_API_KEY</c> for Routing,
    /// <c>Simulator__RequiredApiKey</c> for the simulator), so the simulator checks credentials like a provider.</summary>
    public string SimulatorApiKey { get; init; } = GenerateSecret();

    /// <summary>Public listener port; null: any free port. A busy fixed port falls back to a free one.</summary>
    public int? PublicPort { get; init; } = DefaultPublicPort;

    /// <summary>Admin listener port; null: any free port.</summary>
    public int? AdminPort { get; init; } = DefaultAdminPort;

    /// <summary>
    /// Catalog file for Routing (<c>Routing__CatalogPath</c>), relative to the repository root or absolute.
    /// The repository's own catalog by default, so edits apply without a rebuild.
    /// </summary>
    public string CatalogPath { get; init; } = "services/Gateway.Routing/catalog.json";

    /// <summary>
    /// The AppHost's settings: <c>GATEWAY_ADMIN_TOKEN</c> and <c>GATEWAY_AUTH_KEY_PEPPER</c> when set (else generated
    /// for this run), <c>GATEWAY_PUBLIC_PORT</c>/<c>GATEWAY_ADMIN_PORT</c> (else 5080/5081), <c>GATEWAY_CATALOG_PATH</c>.
    /// </summary>
    public static GatewayStackOptions FromEnvironment() => new()
    {
        AdminToken = Environment.GetEnvironmentVariable("GATEWAY_ADMIN_TOKEN") is { Length: > 0 } token ? token : GenerateSecret(),
        KeyPepper = Environment.GetEnvironmentVariable("GATEWAY_AUTH_KEY_PEPPER") is { Length: >= 32 } pepper ? pepper : GenerateSecret(),
        PublicPort = PortFromEnvironment("GATEWAY_PUBLIC_PORT") ?? DefaultPublicPort,
        AdminPort = PortFromEnvironment("GATEWAY_ADMIN_PORT") ?? DefaultAdminPort,
        CatalogPath = Environment.GetEnvironmentVariable("GATEWAY_CATALOG_PATH") is { Length: > 0 } catalog
            ? catalog
            : "services/Gateway.Routing/catalog.json",
    };

    /// <summary>Fresh secrets and free ports for every port: what test fixtures use.</summary>
    public static GatewayStackOptions ForTests() => new()
    {
        AdminToken = GenerateSecret(),
        KeyPepper = GenerateSecret(),
        PublicPort = null,
        AdminPort = null,
    };

    /// <summary>A random URL-safe secret of 43 characters (256 bits).</summary>
    public static string GenerateSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static int? PortFromEnvironment(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
        && port is > 0 and < 65536
            ? port
            : null;
}
