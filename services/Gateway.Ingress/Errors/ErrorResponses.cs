using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Gateway.Ingress.Errors;

/// <summary>Writes OpenAI-shaped error responses and stream error events.</summary>
internal static class ErrorResponses
{
    private static ReadOnlySpan<byte> SseDataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> SseEventEnd => "\n\n"u8;

    public static byte[] Serialize(in ApiError error) =>
        JsonSerializer.SerializeToUtf8Bytes(error.ToEnvelope(), ErrorJsonContext.Default.OpenAiErrorEnvelope);

    /// <summary>Answers with the error when the response has not started; returns false when it has.</summary>
    public static async ValueTask<bool> TryWriteAsync(HttpResponse response, ApiError error, CancellationToken ct)
    {
        if (response.HasStarted)
        {
            return false;
        }

        var body = Serialize(error);
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        if (error.Status == StatusCodes.Status401Unauthorized)
        {
            response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        }

        try
        {
            await response.Body.WriteAsync(body, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away while we answered; nothing left to tell it.
        }

        return true;
    }

    /// <summary>Relays an upstream's own error body (already validated as an OpenAI envelope) with its status.</summary>
    public static async ValueTask WriteRawAsync(HttpResponse response, int status, ReadOnlyMemory<byte> json, CancellationToken ct)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        try
        {
            await response.Body.WriteAsync(json, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
        }
    }

    /// <summary>The bytes of an SSE error event <c>data: {"error":{...}}\n\n</c>, for a stream that fails midway.</summary>
    public static byte[] SseErrorEvent(in ApiError error)
    {
        var json = Serialize(error);
        var evt = new byte[SseDataPrefix.Length + json.Length + SseEventEnd.Length];
        SseDataPrefix.CopyTo(evt);
        json.CopyTo(evt.AsSpan(SseDataPrefix.Length));
        SseEventEnd.CopyTo(evt.AsSpan(SseDataPrefix.Length + json.Length));
        return evt;
    }
}
