using System.Net.Sockets;
using System.Text;

namespace Gateway.AppHost.Hosting;

/// <summary>
/// Readiness probe for redis-server over a raw socket: RESP <c>PING</c> (after <c>AUTH</c> when a password is set),
/// expecting <c>+PONG</c>. No Redis client library is involved, so the probe cannot share a bug with one.
/// </summary>
public static class RedisPing
{
    /// <summary>True when the server at 127.0.0.1:<paramref name="port"/> answers PING with +PONG within <paramref name="timeout"/>.</summary>
    public static async Task<bool> PingAsync(int port, string? password, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync("127.0.0.1", port, cts.Token).ConfigureAwait(false);
            var request = new StringBuilder();
            var expectedReplies = 1;
            if (password is not null)
            {
                var length = Encoding.UTF8.GetByteCount(password);
                request.Append($"*2\r\n$4\r\nAUTH\r\n${length}\r\n{password}\r\n");
                expectedReplies++;
            }

            request.Append("*1\r\n$4\r\nPING\r\n");
            await socket.SendAsync(Encoding.UTF8.GetBytes(request.ToString()), SocketFlags.None, cts.Token).ConfigureAwait(false);

            var replies = new List<string>();
            var buffer = new byte[256];
            var received = new StringBuilder();
            while (replies.Count < expectedReplies)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return false;
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                int end;
                while ((end = received.ToString().IndexOf("\r\n", StringComparison.Ordinal)) >= 0)
                {
                    replies.Add(received.ToString(0, end));
                    received.Remove(0, end + 2);
                }
            }

            return replies[^1] == "+PONG";
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
