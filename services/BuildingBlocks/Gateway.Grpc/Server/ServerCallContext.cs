using System.Globalization;
using System.Net.Sockets;
using Gateway.Grpc.Protocol;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Gateway.Grpc;

/// <summary>One server-side call: its request metadata, deadline, cancellation and what to send back.</summary>
public sealed class ServerCallContext
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly int _maxSendMessageSize;
    private readonly CancellationTokenSource? _deadlineCts;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private string? _peer;
    private bool _headersWritten;
    private bool _completed;

    internal ServerCallContext(
        HttpContext httpContext,
        string method,
        DateTime deadline,
        CancellationToken cancellationToken,
        CancellationTokenSource? deadlineCts,
        int maxSendMessageSize)
    {
        HttpContext = httpContext;
        Method = method;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        _deadlineCts = deadlineCts;
        _maxSendMessageSize = maxSendMessageSize;
    }

    /// <summary>"/package.Service/Method".</summary>
    public string Method { get; }

    /// <summary>The custom metadata the client sent (reserved headers left out).</summary>
    public Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders(HttpContext.Request.Headers);

    /// <summary>The call's deadline (UTC), <see cref="DateTime.MaxValue"/> when the client set none.</summary>
    public DateTime Deadline { get; }

    /// <summary>Cancelled when the client cancels (RST_STREAM), the connection goes, or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Custom metadata to send with the status.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    /// <summary>The status to end the call with when the handler returns normally (an alternative to throwing
    /// <see cref="RpcException"/>). A unary call with a non-OK status sends no response message.</summary>
    public Status Status { get; set; } = Status.DefaultSuccess;

    public HttpContext HttpContext { get; }

    /// <summary>The client's address, as gRPC writes it: "ipv4:127.0.0.1:5000" or "ipv6:[::1]:5000".</summary>
    public string Peer => _peer ??= FormatPeer(HttpContext);

    internal bool IsDeadlineExceeded => _deadlineCts?.IsCancellationRequested == true;

    internal Status? FinalStatus { get; private set; }

    /// <summary>Sends the response headers now, with this custom metadata. At most once, before any message.</summary>
    public async Task WriteResponseHeadersAsync(Metadata headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        await _writeLock.WaitAsync(CancellationToken).ConfigureAwait(false);
        try
        {
            if (_completed)
            {
                CancellationToken.ThrowIfCancellationRequested();
                throw new InvalidOperationException("The call is complete: response headers can no longer be sent.");
            }

            if (_headersWritten || HttpContext.Response.HasStarted)
            {
                throw new InvalidOperationException("Response headers can only be sent once per call, before any message.");
            }

            var responseHeaders = HttpContext.Response.Headers;
            foreach (var entry in headers)
            {
                responseHeaders.Append(entry.Key, entry.WireValue);
            }

            _headersWritten = true;

            // Flushing an empty body sends the HEADERS frame now (StartAsync alone may leave it buffered).
            await HttpContext.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes one length-prefixed message; flushes it for streaming writes.</summary>
    internal async Task WriteMessageAsync(IMessage message, bool flush, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CancellationTokenSource? linked = null;
        var token = CancellationToken;
        if (cancellationToken.CanBeCanceled && cancellationToken != CancellationToken)
        {
            linked = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, cancellationToken);
            token = linked.Token;
        }

        try
        {
            await _writeLock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                if (_completed)
                {
                    CancellationToken.ThrowIfCancellationRequested();
                    throw new InvalidOperationException("The call is complete: no more messages can be written.");
                }

                var size = message.CalculateSize();
                if (size > _maxSendMessageSize)
                {
                    throw new RpcException(new Status(
                        StatusCode.ResourceExhausted,
                        $"Sending message larger than max ({size} vs. {_maxSendMessageSize})"));
                }

                _headersWritten = true;
                var writer = HttpContext.Response.BodyWriter;
                MessageFraming.Write(writer, message, size);
                if (flush)
                {
                    var result = await writer.FlushAsync(token).ConfigureAwait(false);
                    if (result.IsCanceled || result.IsCompleted)
                    {
                        // The transport is gone (client reset or connection closed).
                        token.ThrowIfCancellationRequested();
                        throw new OperationCanceledException("The client is no longer reading the response.", CancellationToken);
                    }
                }
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            linked?.Dispose();
        }
    }

    /// <summary>Sends the final status once: in the headers (trailers-only) when nothing was sent yet, else as trailers.</summary>
    internal async Task<bool> TryCompleteAsync(Status status, TimeSpan lockTimeout)
    {
        if (!await _writeLock.WaitAsync(lockTimeout).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            if (_completed)
            {
                return true;
            }

            _completed = true;
            FinalStatus = status;
            var response = HttpContext.Response;
            if (!_headersWritten && !response.HasStarted)
            {
                // Nothing sent and nothing buffered (a unary response is written unflushed): trailers-only.
                WriteTrailersOnly(response, status, _responseTrailers);
            }
            else
            {
                if (_responseTrailers is not null)
                {
                    foreach (var entry in _responseTrailers)
                    {
                        response.AppendTrailer(entry.Key, entry.WireValue);
                    }
                }

                response.AppendTrailer(GrpcProtocol.StatusHeader, GrpcProtocol.StatusCodeText(status.StatusCode));
                if (!string.IsNullOrEmpty(status.Detail))
                {
                    response.AppendTrailer(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
                }
            }

            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A response with no body: HTTP 200 and the status in the one HEADERS frame (END_STREAM).</summary>
    internal static void WriteTrailersOnly(HttpResponse response, Status status, Metadata? trailers)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        var headers = response.Headers;
        if (trailers is not null)
        {
            foreach (var entry in trailers)
            {
                headers.Append(entry.Key, entry.WireValue);
            }
        }

        headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusCodeText(status.StatusCode);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
        }
    }

    private static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers)
        {
            foreach (var value in header.Value)
            {
                metadata.AddReceived(header.Key, value);
            }
        }

        return metadata;
    }

    private static string FormatPeer(HttpContext context)
    {
        var connection = context.Connection;
        var address = connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var port = connection.RemotePort.ToString(CultureInfo.InvariantCulture);
        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"ipv6:[{address}]:{port}"
            : $"ipv4:{address}:{port}";
    }
}
