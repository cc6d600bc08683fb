using System.Net;
using System.Net.Sockets;

namespace Gateway.AppHost.Hosting;

/// <summary>
/// Hands out free TCP ports on 127.0.0.1 for servers that will bind them a moment later.
/// </summary>
/// <remarks>
/// Ports come from 20000-32767, below Linux's ephemeral range (32768-60999): a port from bind(0) is also what the
/// kernel gives to outgoing connections and to every other process asking for port 0 at the same time, so a port
/// picked there is more likely to be taken between "found free" and "bound by the server". A port is never handed
/// out twice by this process. The race with other processes cannot be closed completely; callers that start a
/// server on an allocated port retry on "address in use" where they can (RedisServerProcess does).
/// </remarks>
public static class PortAllocator
{
    private const int RangeStart = 20000;
    private const int RangeEnd = 32767;
    private static readonly HashSet<int> s_handedOut = [];
    private static readonly Lock s_lock = new();

    /// <summary>Returns a TCP port that is free on 127.0.0.1 right now and was not returned before by this process.</summary>
    public static int GetFreeTcpPort()
    {
        lock (s_lock)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var port = Random.Shared.Next(RangeStart, RangeEnd + 1);
                if (!s_handedOut.Contains(port) && IsFree(port))
                {
                    s_handedOut.Add(port);
                    return port;
                }
            }

            // The range is crowded: let the kernel choose.
            for (var attempt = 0; attempt < 50; attempt++)
            {
                using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
                if (s_handedOut.Add(port))
                {
                    return port;
                }
            }

            throw new InvalidOperationException("No free TCP port found on 127.0.0.1.");
        }
    }

    /// <summary>True when nothing listens on (or holds) 127.0.0.1:<paramref name="port"/> right now.</summary>
    public static bool IsFree(int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        try
        {
            // Without SO_REUSEADDR the bind also fails while the port is held by a connection, which is what we want.
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen(1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
