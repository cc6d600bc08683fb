using System.Diagnostics;
using Google.Protobuf;
using Interop.V1;

namespace Gateway.Grpc.Tests.Infrastructure;

/// <summary>interop.v1.EchoService on the in-repo server; behaves like tests/interop/server.js.</summary>
internal sealed class TestEchoService(ServerProbe probe)
{
    public async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        var tag = request.Message;
        var echoed = Echoed(context.RequestHeaders);
        probe.Record(tag, "started");
        var headersSent = false;
        if (request.HeadersFirst)
        {
            await context.WriteResponseHeadersAsync(echoed);
            headersSent = true;
        }

        if (request.SleepMs > 0)
        {
            if (request.IgnoreCancellation)
            {
                // Deaf to the token: only the server's own deadline enforcement can answer in time.
                await probe.GateAsync(tag);
                probe.Record(tag, "handler-finished");
            }
            else
            {
                try
                {
                    await Task.Delay(request.SleepMs, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    probe.Record(tag, TokenFiredBecause(context));
                    throw;
                }
            }
        }

        if (request.ThrowUnexpected)
        {
            throw new InvalidOperationException("secret internal detail " + tag);
        }

        if (request.FailCode != 0)
        {
            if (!request.FailBeforeHeaders && !headersSent)
            {
                await context.WriteResponseHeadersAsync(echoed);
            }

            var status = new Status((StatusCode)request.FailCode, request.FailMessage);
            if (request.FailViaStatus)
            {
                CopyTo(echoed, context.ResponseTrailers);
                context.Status = status;
                return new EchoResponse { Message = "must not be sent" };
            }

            throw new RpcException(status, echoed);
        }

        if (!headersSent)
        {
            await context.WriteResponseHeadersAsync(echoed);
        }

        CopyTo(echoed, context.ResponseTrailers);
        var activity = Activity.Current;
        return new EchoResponse
        {
            Message = request.Message,
            Payload = request.Payload,
            Padding = request.ResponsePadding > 0 ? ByteString.CopyFrom(new byte[request.ResponsePadding]) : ByteString.Empty,
            DeadlineUnixMs = context.Deadline == DateTime.MaxValue ? 0 : new DateTimeOffset(context.Deadline).ToUnixTimeMilliseconds(),
            TraceId = activity?.TraceId.ToHexString() ?? "",
            ParentSpanId = activity is null || activity.ParentSpanId == default ? "" : activity.ParentSpanId.ToHexString(),
        };
    }

    public async Task Count(CountRequest request, IServerStreamWriter<CountResponse> responseStream, ServerCallContext context)
    {
        var echoed = Echoed(context.RequestHeaders);
        await context.WriteResponseHeadersAsync(echoed);
        try
        {
            for (var i = 0; i < request.Count; i++)
            {
                if (i > 0 && request.IntervalMs > 0)
                {
                    await Task.Delay(request.IntervalMs, context.CancellationToken);
                }

                await responseStream.WriteAsync(new CountResponse { Index = i }, context.CancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            probe.Record(request.Tag, TokenFiredBecause(context));
            throw;
        }

        CopyTo(echoed, context.ResponseTrailers);
        if (request.FailCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage));
        }
    }

    /// <summary>"cancelled" when the client reset the stream, else "deadline" (the only other cause).</summary>
    private static string TokenFiredBecause(ServerCallContext context) =>
        context.HttpContext.RequestAborted.IsCancellationRequested ? "cancelled" : "deadline";

    private static Metadata Echoed(Metadata requestHeaders)
    {
        var echoed = new Metadata();
        foreach (var entry in requestHeaders)
        {
            if (entry.Key is "user-agent" or "accept-encoding")
            {
                continue;
            }

            CopyEntry(entry, echoed);
        }

        return echoed;
    }

    private static void CopyTo(Metadata source, Metadata target)
    {
        foreach (var entry in source)
        {
            CopyEntry(entry, target);
        }
    }

    private static void CopyEntry(Metadata.Entry entry, Metadata target)
    {
        if (entry.IsBinary)
        {
            target.Add(entry.Key, entry.ValueBytes);
        }
        else
        {
            target.Add(entry.Key, entry.Value);
        }
    }
}
