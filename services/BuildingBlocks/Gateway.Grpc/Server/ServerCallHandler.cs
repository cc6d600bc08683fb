using System.Diagnostics;
using System.IO.Pipelines;
using System.Linq.Expressions;
using System.Reflection;
using Gateway.Grpc.Protocol;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Grpc.Server;

/// <summary>Serves one gRPC method: protocol checks, deadline, request read, handler, status.</summary>
internal abstract class ServerCallHandler(MethodDescriptor method, GrpcServerOptions options, ILogger logger)
{
    protected MethodDescriptor MethodDescriptor { get; } = method;

    protected GrpcServerOptions Options { get; } = options;

    protected ILogger Logger { get; } = logger;

    /// <summary>"/package.Service/Method".</summary>
    public string FullName { get; } = "/" + method.Service.FullName + "/" + method.Name;

    /// <summary>"package.Service/Method", the span name.</summary>
    private string SpanName { get; } = method.Service.FullName + "/" + method.Name;

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        if (!TryAcceptRequest(httpContext, Logger, out var timeout))
        {
            return;
        }

        var response = httpContext.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.IdentityEncoding;

        // Messages are limited one by one (MaxReceiveMessageSize), not by Kestrel's whole-body limit.
        var bodySizeFeature = httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (bodySizeFeature is { IsReadOnly: false })
        {
            bodySizeFeature.MaxRequestBodySize = null;
        }

        var (activity, ownActivity) = StartActivity(httpContext);
        CancellationTokenSource? deadlineCts = null;
        CancellationTokenSource? callCts = null;
        var deadline = DateTime.MaxValue;
        var token = httpContext.RequestAborted;
        if (timeout is { } t)
        {
            deadline = t >= DateTime.MaxValue - DateTime.UtcNow ? DateTime.MaxValue : DateTime.UtcNow + t;

            // A timer is needed only for deadlines that can pass while the call runs (CancelAfter's limit is
            // about 49 days; grpc-timeout allows 99999999H).
            if (t < MaxTimerDelay)
            {
                deadlineCts = new CancellationTokenSource();
                callCts = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, deadlineCts.Token);
                token = callCts.Token;
            }
        }

        var context = new ServerCallContext(httpContext, FullName, deadline, token, deadlineCts, Options.MaxSendMessageSize);
        try
        {
            if (deadlineCts is null)
            {
                await RunCallAsync(context).ConfigureAwait(false);
            }
            else
            {
                await RunCallWithDeadlineAsync(context, deadlineCts, timeout!.Value).ConfigureAwait(false);
            }
        }
        finally
        {
            callCts?.Dispose();
            deadlineCts?.Dispose();
            if (activity is not null)
            {
                GrpcDiagnostics.SetStatus(activity, context.FinalStatus?.StatusCode ?? StatusCode.Cancelled, isServer: true);
                ownActivity?.Stop();
            }
        }
    }

    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(40);

    /// <summary>Protocol checks shared by every gRPC endpoint. False when a response was already written.</summary>
    internal static bool TryAcceptRequest(HttpContext httpContext, ILogger logger, out TimeSpan? timeout)
    {
        timeout = null;
        var request = httpContext.Request;
        var response = httpContext.Response;
        if (!GrpcProtocol.IsProtobufGrpcContentType(request.ContentType))
        {
            // The spec: a non-gRPC content type gets 415, so no HTTP client mistakes an error for a 200.
            ServerLog.RequestRejected(logger, "unsupported content-type");
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusCodeText(StatusCode.Internal);
            response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(
                $"Content-Type '{request.ContentType}' is not supported; use application/grpc or application/grpc+proto");
            return false;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            ServerLog.RequestRejected(logger, "method is not POST");
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return false;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            ServerLog.RequestRejected(logger, "not HTTP/2");
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusCodeText(StatusCode.Internal);
            response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(
                $"Request protocol '{request.Protocol}' is not supported; gRPC needs HTTP/2");
            return false;
        }

        var encoding = request.Headers[GrpcProtocol.EncodingHeader];
        if (encoding.Count > 0 && !string.Equals(encoding.ToString(), GrpcProtocol.IdentityEncoding, StringComparison.Ordinal))
        {
            // The spec: an unsupported message encoding is UNIMPLEMENTED, with the encodings we do accept.
            ServerLog.RequestRejected(logger, "unsupported grpc-encoding");
            response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.IdentityEncoding;
            ServerCallContext.WriteTrailersOnly(
                response,
                new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: identity"),
                null);
            return false;
        }

        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader.Count > 0)
        {
            if (timeoutHeader.Count > 1 || !GrpcTimeout.TryParse(timeoutHeader.ToString(), out var parsed))
            {
                ServerLog.RequestRejected(logger, "malformed grpc-timeout");
                ServerCallContext.WriteTrailersOnly(
                    response, new Status(StatusCode.Internal, $"Malformed grpc-timeout header '{timeoutHeader}'"), null);
                return false;
            }

            timeout = parsed;
        }

        return true;
    }

    private async Task RunCallWithDeadlineAsync(ServerCallContext context, CancellationTokenSource deadlineCts, TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            // Already expired on arrival: do not run the handler at all.
            await deadlineCts.CancelAsync().ConfigureAwait(false);
            ServerLog.DeadlineExceeded(Logger, FullName);
            await context.TryCompleteAsync(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), Timeout.InfiniteTimeSpan)
                .ConfigureAwait(false);
            return;
        }

        var deadlinePassed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = deadlineCts.Token.Register(
            static state => ((TaskCompletionSource)state!).TrySetResult(), deadlinePassed).ConfigureAwait(false);
        deadlineCts.CancelAfter(timeout);

        var call = RunCallAsync(context);
        var first = await Task.WhenAny(call, deadlinePassed.Task).ConfigureAwait(false);
        if (first == call)
        {
            await call.ConfigureAwait(false);
            return;
        }

        // The deadline passed while the handler still runs (it may ignore its token): answer now, as the spec
        // asks of the server, then wait for the handler so the HttpContext outlives it.
        ServerLog.DeadlineExceeded(Logger, FullName);
        var httpContext = context.HttpContext;
        var answered = await context.TryCompleteAsync(
            new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), Options.DeadlineCompletionTimeout).ConfigureAwait(false);
        if (answered)
        {
            try
            {
                await httpContext.Response.CompleteAsync().WaitAsync(Options.DeadlineCompletionTimeout).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or IOException or OperationCanceledException or InvalidOperationException)
            {
                answered = false;
            }
        }

        if (!answered)
        {
            ServerLog.DeadlineResetStream(Logger, FullName);
            httpContext.Features.Get<IHttpResetFeature>()?.Reset(0x8); // CANCEL
        }

        await call.ConfigureAwait(false);
    }

    /// <summary>Reads the request, runs the handler and sends the status. Never throws.</summary>
    private async Task RunCallAsync(ServerCallContext context)
    {
        Status status;
        try
        {
            status = await InvokeAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            status = StatusFromException(ex, context);
        }

        if (status.StatusCode != StatusCode.OK)
        {
            ServerLog.CallFailed(Logger, FullName, status.StatusCode, status.Detail);
        }

        try
        {
            await context.TryCompleteAsync(status, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone; nobody is left to tell.
            ServerLog.StatusWriteFailed(Logger, FullName, ex);
        }
    }

    /// <summary>Reads the one request message, runs the handler; returns the status to send.</summary>
    protected abstract Task<Status> InvokeAsync(ServerCallContext context);

    private Status StatusFromException(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case RpcException rpc:
                foreach (var entry in rpc.Trailers)
                {
                    context.ResponseTrailers.AddEntry(entry);
                }

                return rpc.Status;
            case OperationCanceledException or IOException when context.IsDeadlineExceeded:
                ServerLog.DeadlineExceeded(Logger, FullName);
                return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            case OperationCanceledException or IOException when context.HttpContext.RequestAborted.IsCancellationRequested:
                ServerLog.CancelledByClient(Logger, FullName);
                return new Status(StatusCode.Cancelled, "Call canceled by the client");
            default:
                ServerLog.HandlerFailed(Logger, FullName, StatusCode.Unknown, exception);
                var detail = Options.EnableDetailedErrors
                    ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
                    : "Exception was thrown by handler.";
                return new Status(StatusCode.Unknown, detail);
        }
    }

    private (Activity? Activity, Activity? Own) StartActivity(HttpContext httpContext)
    {
        var activity = httpContext.Features.Get<IHttpActivityFeature>()?.Activity;
        Activity? own = null;
        if (activity is null && GrpcDiagnostics.Source.HasListeners())
        {
            // No hosting activity (nobody listens to ASP.NET Core): start ours from the incoming trace context.
            var headers = httpContext.Request.Headers;
            DistributedContextPropagator.Current.ExtractTraceIdAndState(
                headers,
                static (carrier, name, out value, out values) =>
                {
                    values = null;
                    value = ((IHeaderDictionary)carrier!)[name].ToString();
                    if (value.Length == 0)
                    {
                        value = null;
                    }
                },
                out var traceParent,
                out var traceState);
            ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
            own = GrpcDiagnostics.Source.StartActivity(SpanName, ActivityKind.Server, parent);
            activity = own;
        }

        if (activity is not null)
        {
            activity.DisplayName = SpanName;
            GrpcDiagnostics.SetRpcTags(activity, MethodDescriptor.Service.FullName, MethodDescriptor.Name);
        }

        return (activity, own);
    }
}

/// <summary>The typed handler for one method of <typeparamref name="TService"/>, with its invoker compiled once.</summary>
internal sealed class ServerCallHandler<TService, TRequest, TResponse> : ServerCallHandler
    where TService : class
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser = new(static () => new TRequest());
    private readonly Func<TService, TRequest, ServerCallContext, Task<TResponse>>? _unary;
    private readonly Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>? _serverStreaming;
    private readonly Func<IServiceProvider, TService>? _resolve;
    private readonly ObjectFactory? _activate;

    public ServerCallHandler(MethodDescriptor method, MethodInfo clrMethod, bool serviceIsRegistered, GrpcServerOptions options, ILogger logger)
        : base(method, options, logger)
    {
        var service = Expression.Parameter(typeof(TService), "service");
        var request = Expression.Parameter(typeof(TRequest), "request");
        var context = Expression.Parameter(typeof(ServerCallContext), "context");
        if (method.IsServerStreaming)
        {
            var writer = Expression.Parameter(typeof(IServerStreamWriter<TResponse>), "responseStream");
            _serverStreaming = Expression.Lambda<Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>>(
                Expression.Call(service, clrMethod, request, writer, context), service, request, writer, context).Compile();
        }
        else
        {
            _unary = Expression.Lambda<Func<TService, TRequest, ServerCallContext, Task<TResponse>>>(
                Expression.Call(service, clrMethod, request, context), service, request, context).Compile();
        }

        if (serviceIsRegistered)
        {
            _resolve = static services => services.GetRequiredService<TService>();
        }
        else
        {
            _activate = ActivatorUtilities.CreateFactory(typeof(TService), Type.EmptyTypes);
        }
    }

    protected override async Task<Status> InvokeAsync(ServerCallContext context)
    {
        var request = await ReadRequestAsync(context.HttpContext.Request.BodyReader, context.CancellationToken).ConfigureAwait(false);

        var services = context.HttpContext.RequestServices;
        TService service;
        var created = false;
        if (_resolve is not null)
        {
            service = _resolve(services);
        }
        else
        {
            service = (TService)_activate!(services, null);
            created = true;
        }

        try
        {
            if (_unary is not null)
            {
                var response = await _unary(service, request, context).ConfigureAwait(false);
                if (context.Status.StatusCode == StatusCode.OK)
                {
                    if (response is null)
                    {
                        throw new InvalidOperationException($"gRPC method {FullName} returned no response message.");
                    }

                    // Not flushed: the message, then the trailers, leave together when the request ends.
                    await context.WriteMessageAsync(response, flush: false, context.CancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await _serverStreaming!(service, request, new ResponseStreamWriter(context), context).ConfigureAwait(false);
            }

            return context.Status;
        }
        finally
        {
            if (created)
            {
                if (service is IAsyncDisposable asyncDisposable)
                {
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                }
                else if (service is IDisposable disposable)
                {
                    disposable.Dispose();
                }
            }
        }
    }

    /// <summary>Reads exactly one message and the end of the request stream.</summary>
    private async ValueTask<TRequest> ReadRequestAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var maxSize = Options.MaxReceiveMessageSize;
        TRequest? message = null;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (message is null)
            {
                var status = MessageFraming.TryRead(ref buffer, maxSize, out var payload, out var length);
                if (status == FrameReadStatus.Complete)
                {
                    try
                    {
                        message = _parser.ParseFrom(payload);
                    }
                    catch (InvalidProtocolBufferException)
                    {
                        reader.AdvanceTo(result.Buffer.End);
                        throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize the request message"));
                    }
                }
                else if (status != FrameReadStatus.Incomplete)
                {
                    reader.AdvanceTo(result.Buffer.Start);
                    throw new RpcException(MessageFraming.ErrorStatus(status, length, maxSize));
                }
            }

            if (message is not null && !buffer.IsEmpty)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw new RpcException(new Status(
                    StatusCode.Internal, $"More than one request message for {(MethodDescriptor.IsServerStreaming ? "server-streaming" : "unary")} method {FullName}"));
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return message ?? throw new RpcException(new Status(
                    StatusCode.Internal,
                    buffer.IsEmpty ? "The request has no message" : "The request ended inside a message frame"));
            }

            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException(cancellationToken);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private sealed class ResponseStreamWriter(ServerCallContext context) : IServerStreamWriter<TResponse>
    {
        public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default) =>
            context.WriteMessageAsync(message, flush: true, cancellationToken);
    }
}
