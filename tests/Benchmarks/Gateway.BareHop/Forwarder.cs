using System.Buffers;
using Microsoft.Extensions.Primitives;

namespace Gateway.BareHop;

/// <summary>Copies a request to the upstream and the response back, nothing else: no parsing, no policy.</summary>
internal sealed class Forwarder(HttpMessageInvoker client, Uri upstream)
{
    private const int BufferSize = 16 * 1024;

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private readonly string _upstreamRoot = upstream.GetLeftPart(UriPartial.Authority);

    /// <summary>The whole pipeline (no routing): <c>GET /health/ready</c> answers here, everything else is forwarded.</summary>
    public Task HandleAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path == "/health/ready")
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }

        return ForwardAsync(context);
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var request = context.Request;
        using var message = new HttpRequestMessage(
            new HttpMethod(request.Method),
            _upstreamRoot + request.PathBase + request.Path + request.QueryString);

        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            message.Content = new StreamContent(request.Body, BufferSize);
        }

        foreach (var (name, value) in request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)value!))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)value!);
            }
        }

        HttpResponseMessage upstreamResponse;
        try
        {
            upstreamResponse = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        using (upstreamResponse)
        {
            var response = context.Response;
            response.StatusCode = (int)upstreamResponse.StatusCode;
            CopyHeaders(upstreamResponse.Headers, response.Headers);
            CopyHeaders(upstreamResponse.Content.Headers, response.Headers);

            await using var body = await upstreamResponse.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeaders from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (!HopByHop.Contains(name))
            {
                to[name] = new StringValues([.. values]);
            }
        }
    }
}
