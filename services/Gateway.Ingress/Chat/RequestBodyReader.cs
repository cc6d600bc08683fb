using System.Buffers;
using Gateway.Ingress.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Ingress.Chat;

internal enum BodyReadStatus : byte
{
    Ok,
    TooLarge,
    Malformed,
    ClientGone,
}

/// <summary>Reads a request body into a pooled buffer, enforcing a size limit (413) before and while reading.</summary>
internal static class RequestBodyReader
{
    private const int DefaultInitialSize = 16 * 1024;

    public static async ValueTask<(BodyReadStatus Status, PooledBufferWriter? Body)> ReadAsync(
        HttpContext context, long limit, CancellationToken ct)
    {
        var request = context.Request;
        if (request.ContentLength is { } declared && declared > limit)
        {
            return (BodyReadStatus.TooLarge, null);
        }

        // Kestrel's own limit (30 MB by default) would otherwise cap a larger configured limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        var initial = request.ContentLength is { } length ? (int)Math.Min(length, limit) : DefaultInitialSize;
        var body = new PooledBufferWriter(initial);
        try
        {
            var reader = request.BodyReader;
            while (true)
            {
                var result = await reader.ReadAsync(ct).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (body.WrittenCount + buffer.Length > limit)
                {
                    reader.AdvanceTo(buffer.End);
                    body.Dispose();
                    return (BodyReadStatus.TooLarge, null);
                }

                foreach (var segment in buffer)
                {
                    body.Write(segment.Span);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            return (BodyReadStatus.Ok, body);
        }
        catch (BadHttpRequestException ex)
        {
            body.Dispose();
            return (ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? BodyReadStatus.TooLarge : BodyReadStatus.Malformed, null);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            body.Dispose();
            return (BodyReadStatus.ClientGone, null);
        }
    }
}
