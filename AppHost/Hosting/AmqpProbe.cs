using System.Net.Sockets;

namespace Gateway.AppHost.Hosting;

/// <summary>
/// Readiness probe for an AMQP 0-9-1 broker: sends the protocol header and expects the broker's first frame to be
/// <c>Connection.Start</c> (frame type 1 = method, channel 0, class 10, method 10). No AMQP client involved.
/// </summary>
public static class AmqpProbe
{
    private static readonly byte[] s_protocolHeader = "AMQP\0\0\u0009\u0001"u8.ToArray();

    /// <summary>True when 127.0.0.1:<paramref name="port"/> answers the AMQP 0-9-1 header with Connection.Start within <paramref name="timeout"/>.</summary>
    public static async Task<bool> IsReadyAsync(int port, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync("127.0.0.1", port, cts.Token).ConfigureAwait(false);
            await socket.SendAsync(s_protocolHeader, SocketFlags.None, cts.Token).ConfigureAwait(false);

            // frame: type(1) channel(2) size(4) payload: class-id(2) method-id(2) ...
            var head = new byte[11];
            var filled = 0;
            while (filled < head.Length)
            {
                var read = await socket.ReceiveAsync(head.AsMemory(filled), SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return false;
                }

                filled += read;
            }

            return IsConnectionStart(head);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="frameStart"/> (at least 11 bytes) begins a Connection.Start method frame on channel 0.</summary>
    public static bool IsConnectionStart(ReadOnlySpan<byte> frameStart) =>
        frameStart.Length >= 11
        && frameStart[0] == 1
        && frameStart[1] == 0 && frameStart[2] == 0
        && frameStart[7] == 0 && frameStart[8] == 10
        && frameStart[9] == 0 && frameStart[10] == 10;
}
