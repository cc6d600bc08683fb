using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Gateway.AppHost.Hosting;

/// <summary>The answer to a grpc.health.v1 Check: the call's grpc-status and, when it succeeded, the serving status.</summary>
/// <param name="GrpcStatus">grpc-status of the call (0 = OK), or -1 when there was no gRPC answer at all.</param>
/// <param name="ServingStatus">HealthCheckResponse.status: 0 UNKNOWN, 1 SERVING, 2 NOT_SERVING, 3 SERVICE_UNKNOWN.</param>
public sealed record GrpcHealthResult(int GrpcStatus, int? ServingStatus)
{
    public bool IsServing => GrpcStatus == 0 && ServingStatus == 1;
}

/// <summary>
/// A hand-rolled grpc.health.v1.Health/Check client (no gRPC runtime restores here): one HTTP/2 POST with prior
/// knowledge, a length-prefixed empty (or service-named) HealthCheckRequest, the reply's HealthCheckResponse read
/// from the body and grpc-status from the trailers (or the headers of a trailers-only reply).
/// </summary>
public static class GrpcHealthProbe
{
    private static readonly HttpClient s_client = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Calls Check on <paramref name="baseAddress"/> (e.g. <c>http://127.0.0.1:7101</c>); service "" means the whole server.</summary>
    public static async Task<GrpcHealthResult> CheckAsync(Uri baseAddress, string service, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(service);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "/grpc.health.v1.Health/Check"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(Frame(EncodeRequest(service))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-timeout", $"{Math.Max(1, (long)timeout.TotalMilliseconds)}m");

        try
        {
            using var response = await s_client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return NoAnswer;
            }

            var body = await response.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
            var status = ReadGrpcStatus(response);
            return status != 0 ? new GrpcHealthResult(status, null) : new GrpcHealthResult(status, DecodeServingStatus(body));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Not listening yet, not HTTP/2, reset, or too slow: not serving.
            return NoAnswer;
        }
    }

    private static GrpcHealthResult NoAnswer { get; } = new(-1, null);

    /// <summary>Prefixes a protobuf message with the gRPC frame header: compressed flag 0 and a 4-byte big-endian length.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        var framed = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed.AsSpan(5));
        return framed;
    }

    /// <summary>HealthCheckRequest { string service = 1; }; the empty service encodes to zero bytes.</summary>
    internal static byte[] EncodeRequest(string service)
    {
        if (service.Length == 0)
        {
            return [];
        }

        var text = Encoding.UTF8.GetBytes(service);
        var buffer = new List<byte> { 0x0A };
        var length = (uint)text.Length;
        while (length >= 0x80)
        {
            buffer.Add((byte)(length | 0x80));
            length >>= 7;
        }

        buffer.Add((byte)length);
        buffer.AddRange(text);
        return [.. buffer];
    }

    /// <summary>Reads HealthCheckResponse.status (field 1, varint) from the first frame of a reply body; null when absent or malformed.</summary>
    internal static int? DecodeServingStatus(ReadOnlySpan<byte> body)
    {
        if (body.Length < 5 || body[0] != 0)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(body[1..]);
        if (length > body.Length - 5)
        {
            return null;
        }

        var message = body.Slice(5, (int)length);
        var status = 0; // proto3: an absent field is its default, UNKNOWN
        var i = 0;
        while (i < message.Length)
        {
            var tag = message[i++];
            var wireType = tag & 7;
            if (wireType == 0)
            {
                ulong value = 0;
                var shift = 0;
                while (i < message.Length)
                {
                    var b = message[i++];
                    value |= (ulong)(b & 0x7F) << shift;
                    shift += 7;
                    if ((b & 0x80) == 0)
                    {
                        break;
                    }
                }

                if (tag >> 3 == 1)
                {
                    status = (int)value;
                }
            }
            else if (wireType == 2 && i < message.Length)
            {
                i += 1 + message[i]; // unknown length-delimited field (short): skip
            }
            else
            {
                return null;
            }
        }

        return status;
    }

    private static int ReadGrpcStatus(HttpResponseMessage response)
    {
        if (response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) || response.Headers.TryGetValues("grpc-status", out trailer))
        {
            return int.TryParse(trailer.FirstOrDefault(), out var status) ? status : -1;
        }

        return -1;
    }
}
