using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using Gateway.Grpc.Protocol;
using Google.Protobuf;

namespace Gateway.Grpc.Client;

/// <summary>What the public call types need from a running call, without its request type.</summary>
internal interface IClientCall<TResponse> : IDisposable
{
    Task StartAsync();

    /// <summary>Reads the next message into <see cref="Current"/>; false at the end of an OK call.</summary>
    ValueTask<bool> MoveNextAsync();

    TResponse Current { get; }

    Metadata ResponseHeaders { get; }

    Status? Status { get; }

    Metadata Trailers { get; }

    void CancelByCaller();

    RpcException Fail(Status status, Exception? inner = null);
}

/// <summary>
/// One call over HTTP/2: sends the request, validates the response headers, reads length-prefixed messages and
/// the status from the trailers (or from the headers of a trailers-only response). Every failure becomes an
/// <see cref="RpcException"/>. Not thread-safe: one reader.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IClientCall<TResponse>
    where TRequest : IMessage<TRequest>, new()
    where TResponse : IMessage<TResponse>, new()
{
    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly TRequest _request;
    private readonly CallOptions _options;
    private CancellationTokenSource? _cts;
    private DateTime _deadline = DateTime.MaxValue;
    private Activity? _activity;
    private HttpResponseMessage? _response;
    private Stream? _responseStream;
    private PipeReader? _reader;
    private Metadata? _responseHeaders;
    private Metadata? _trailers;
    private bool _trailersOnly;
    private bool _cancelledByCaller;
    private bool _ended;
    private bool _disposed;

    public ClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, TRequest request, CallOptions options)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        _channel = channel;
        _method = method;
        _request = request;
        _options = options;
    }

    public Status? Status { get; private set; }

    public TResponse Current { get; private set; } = default!;

    public Metadata ResponseHeaders => _responseHeaders ??= ReadMetadata(_response?.Headers);

    public Metadata Trailers => _trailers ??= _trailersOnly ? ResponseHeaders : ReadMetadata(_response?.TrailingHeaders);

    public async Task StartAsync()
    {
        var channelOptions = _channel.Options;
        var deadline = _options.Deadline;
        if (deadline is null && channelOptions.DefaultDeadline is { } defaultDeadline)
        {
            deadline = DateTime.UtcNow + defaultDeadline;
        }

        if (deadline is { } d && d != DateTime.MaxValue)
        {
            _deadline = d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d;
        }

        _activity = GrpcDiagnostics.Source.StartActivity(_method.SpanName, ActivityKind.Client);
        if (_activity is not null)
        {
            GrpcDiagnostics.SetRpcTags(_activity, _method.ServiceName, _method.Name);
            if (_activity.IsAllDataRequested)
            {
                _activity.SetTag("server.address", _channel.Address.Host);
                _activity.SetTag("server.port", _channel.Address.Port);
            }
        }

        TimeSpan? timeout = null;
        if (_deadline != DateTime.MaxValue)
        {
            timeout = _deadline - DateTime.UtcNow;
            if (timeout <= TimeSpan.Zero)
            {
                // Already past: fail without sending, as every gRPC client does.
                throw Fail(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
            }
        }

        _cts = CancellationTokenSource.CreateLinkedTokenSource(_options.CancellationToken);
        if (timeout is { } t && t < MaxTimerDelay)
        {
            _cts.CancelAfter(t);
        }

        var size = _request.CalculateSize();
        if (size > channelOptions.MaxSendMessageSize)
        {
            throw Fail(new Status(
                StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {channelOptions.MaxSendMessageSize})"));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetMethodUri(_method.FullName))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcRequestContent(_request, size),
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.TeTrailers);
        headers.TryAddWithoutValidation("User-Agent", GrpcProtocol.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.IdentityEncoding);
        if (timeout is { } sent)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(sent));
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, entry.WireValue);
            }
        }

        try
        {
            _response = await _channel.Invoker.SendAsync(request, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Fail(StatusFromException(ex, "Error starting gRPC call"), ex);
        }

        ValidateResponseHeaders(_response);
    }

    public async ValueTask<bool> MoveNextAsync()
    {
        if (Status is { } finished)
        {
            return finished.StatusCode == StatusCode.OK ? false : throw new RpcException(finished, Trailers);
        }

        var response = _response ?? throw new InvalidOperationException("The call has not started.");
        var token = _cts!.Token;
        var maxSize = _channel.Options.MaxReceiveMessageSize;
        try
        {
            if (_reader is null)
            {
                _responseStream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                _reader = PipeReader.Create(_responseStream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
            }

            while (true)
            {
                var result = await _reader.ReadAsync(token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var frame = MessageFraming.TryRead(ref buffer, maxSize, out var payload, out var length);
                if (frame == FrameReadStatus.Complete)
                {
                    TResponse message;
                    try
                    {
                        message = _method.ResponseParser.ParseFrom(payload);
                    }
                    catch (InvalidProtocolBufferException ex)
                    {
                        _reader.AdvanceTo(result.Buffer.End);
                        throw Fail(new Status(StatusCode.Internal, "Failed to deserialize the response message"), ex);
                    }

                    _reader.AdvanceTo(buffer.Start);
                    Current = message;
                    return true;
                }

                if (frame != FrameReadStatus.Incomplete)
                {
                    _reader.AdvanceTo(result.Buffer.Start);
                    throw Fail(MessageFraming.ErrorStatus(frame, length, maxSize));
                }

                if (result.IsCompleted)
                {
                    _reader.AdvanceTo(buffer.End);
                    if (!buffer.IsEmpty)
                    {
                        throw Fail(new Status(StatusCode.Internal, "The response ended inside a message frame"));
                    }

                    var status = ReadStatus(response.TrailingHeaders, "No grpc-status found in the response trailers");
                    Status = status;
                    _ended = true;
                    return status.StatusCode == StatusCode.OK ? false : throw new RpcException(status, Trailers);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Fail(StatusFromException(ex, "Error reading the response"), ex);
        }
    }

    /// <summary>Cancels the call on the caller's behalf (the status becomes CANCELLED).</summary>
    public void CancelByCaller()
    {
        _cancelledByCaller = true;
        try
        {
            _cts?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over.
        }
    }

    /// <summary>Ends the call with an error (overriding an OK status the protocol check found wrong) and aborts it.</summary>
    public RpcException Fail(Status status, Exception? inner = null)
    {
        Status = status;
        Abort();
        return new RpcException(status, _response is null ? null : Trailers, inner);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (Status is null)
        {
            // Disposed before the end (a consumer that stopped reading): cancel, which resets the stream.
            Status = new Status(StatusCode.Cancelled, "The call was disposed before it completed");
        }

        if (_ended)
        {
            // The stream is over: release it without cancelling anything.
            Release();
        }
        else
        {
            Abort();
        }

        _cts?.Dispose();
        if (_activity is { } activity)
        {
            GrpcDiagnostics.SetStatus(activity, Status.Value.StatusCode, isServer: false);
            var current = Activity.Current;
            activity.Stop();
            if (current != activity)
            {
                Activity.Current = current;
            }
        }
    }

    /// <summary>Releases the HTTP/2 stream; if it is still open, SocketsHttpHandler sends RST_STREAM(CANCEL).</summary>
    private void Abort()
    {
        try
        {
            _cts?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        Release();
    }

    private void Release()
    {
        _reader?.Complete();
        _reader = null;
        _responseStream?.Dispose();
        _response?.Dispose();
    }

    private void ValidateResponseHeaders(HttpResponseMessage response)
    {
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            var code = (int)response.StatusCode;
            throw Fail(new Status(GrpcProtocol.FromHttpStatus(code), $"Bad gRPC response. HTTP status code: {code}"));
        }

        var contentType = GetHeader(response.Content.Headers, "Content-Type");
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            throw Fail(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}"));
        }

        if (GetHeader(response.Headers, GrpcProtocol.StatusHeader) is not null)
        {
            // Trailers-only: the status (and the custom trailers) came in the only HEADERS frame.
            _trailersOnly = true;
            _ended = true;
            Status = ReadStatus(response.Headers, "");
            if (Status.Value.StatusCode != StatusCode.OK)
            {
                throw new RpcException(Status.Value, Trailers);
            }

            return;
        }

        var encoding = GetHeader(response.Headers, GrpcProtocol.EncodingHeader);
        if (encoding is not null && encoding != GrpcProtocol.IdentityEncoding)
        {
            throw Fail(new Status(StatusCode.Internal, $"The server used grpc-encoding '{encoding}'; this client accepts identity only"));
        }
    }

    private Status StatusFromException(Exception exception, string context)
    {
        if (exception is OperationCanceledException && _cts!.IsCancellationRequested)
        {
            if (_cancelledByCaller || _options.CancellationToken.IsCancellationRequested)
            {
                return new Status(StatusCode.Cancelled, "Call canceled by the client.");
            }

            if (_disposed)
            {
                return new Status(StatusCode.Cancelled, "The call was disposed before it completed");
            }

            return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }

        // Find the most specific transport error in the chain.
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpProtocolException { ErrorCode: 0 } && _response is null)
            {
                // NO_ERROR before any response: the server closed the connection gracefully (GOAWAY, e.g. it is
                // stopping) without processing the call, which is a transport failure a caller may retry elsewhere.
                return new Status(StatusCode.Unavailable, $"{context}: the server closed the connection (HTTP/2 NO_ERROR)");
            }

            if (inner is HttpProtocolException protocol)
            {
                return new Status(
                    GrpcProtocol.FromHttp2ErrorCode(protocol.ErrorCode),
                    $"{context}: HTTP/2 error code {protocol.ErrorCode} ({protocol.HttpRequestError})");
            }
        }

        return exception switch
        {
            HttpRequestException http => new Status(StatusCode.Unavailable, $"{context}: {http.HttpRequestError}: {http.Message}"),
            IOException io => new Status(StatusCode.Unavailable, $"{context}: {io.Message}"),
            OperationCanceledException => new Status(StatusCode.Unavailable, $"{context}: connection timed out"),
            _ => new Status(StatusCode.Internal, $"{context}: {exception.GetType().Name}: {exception.Message}"),
        };
    }

    private static Status ReadStatus(HttpHeaders headers, string missingMessage)
    {
        var code = GetHeader(headers, GrpcProtocol.StatusHeader);
        if (code is null)
        {
            return new Status(StatusCode.Internal, missingMessage);
        }

        if (!GrpcProtocol.TryParseStatusCode(code, out var statusCode))
        {
            return new Status(StatusCode.Internal, $"Invalid grpc-status value '{code}'");
        }

        var message = GetHeader(headers, GrpcProtocol.MessageHeader);
        return new Status(statusCode, message is null ? "" : PercentEncoding.Decode(message));
    }

    private static string? GetHeader(HttpHeaders headers, string name)
    {
        if (headers.NonValidated.TryGetValues(name, out var values))
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        return null;
    }

    private static Metadata ReadMetadata(HttpHeaders? headers)
    {
        var metadata = new Metadata();
        if (headers is null)
        {
            return metadata;
        }

        foreach (var (name, values) in headers.NonValidated)
        {
            foreach (var value in values)
            {
                metadata.AddReceived(name, value);
            }
        }

        return metadata;
    }

    // CancelAfter's limit is about 49 days; a longer deadline is only sent, not timed locally.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(40);
}
