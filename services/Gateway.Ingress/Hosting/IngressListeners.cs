using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Ingress.Hosting;

internal enum Listener : byte
{
    Unknown,
    Public,
    Admin,
}

/// <summary>
/// Knows which Kestrel endpoint is the public listener and which the admin one, by the local port a connection
/// arrived on. It holds the endpoints' <see cref="ListenOptions"/>, which Kestrel updates with the bound port, so
/// port 0 (tests) works as well as a fixed port.
/// </summary>
internal sealed class IngressListeners
{
    public const string PublicEndpoint = "Public";
    public const string AdminEndpoint = "Admin";

    private ListenOptions? _public;
    private ListenOptions? _admin;

    public int PublicPort => Port(_public);

    public int AdminPort => Port(_admin);

    public void SetPublic(ListenOptions options) => _public = options;

    public void SetAdmin(ListenOptions options) => _admin = options;

    public Listener Classify(int localPort)
    {
        if (localPort == AdminPort)
        {
            return Listener.Admin;
        }

        return localPort == PublicPort ? Listener.Public : Listener.Unknown;
    }

    private static int Port(ListenOptions? options) => options?.EndPoint is IPEndPoint ip ? ip.Port : -1;
}
