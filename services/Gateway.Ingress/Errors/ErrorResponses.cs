using System.Buffers;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Gateway.Ingress.Errors;

/// <summary>Which envelope a surface answers errors in.</summary>
internal enum ErrorFormat : byte
{
    /// <summary><c>{"error":{"message","type","param","code"}}</c>.</summary>
    OpenAi,

    /// <summary><c>{"type":"error","error":{"type","message"}}</c>.</summary>
    Anthropic,

    /// <summary>The OpenAI envelope for error statuses; inside a stream, the Responses API's own error event
    /// (<c>event: error</c> with <c>{"type":"error","code","message","param"}</c>).</summary>
    OpenAiResponses,
}

/// <summary>
/// Writes error responses and stream error events. One <see cref="ApiError"/> is rendered in the envelope of the
/// surface that answers (<see cref="ErrorFormat"/>); the pipeline that decides the error is shared.
/// </summary>
internal static class ErrorResponses
{
    private static ReadOnlySpan<byte> SseDataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> SseEventEnd => "\n\n"u8;
    private static ReadOnlySpan<byte> AnthropicErrorEventPrefix => "event: error\ndata: "u8;

    public static byte[] Serialize(in ApiError error) =>
        JsonSerializer.SerializeToUtf8Bytes(error.ToEnvelope(), ErrorJsonContext.Default.OpenAiErrorEnvelope);

    public static byte[] Serialize(in ApiError error, ErrorFormat format) =>
        format == ErrorFormat.Anthropic ? SerializeAnthropic(error) : Serialize(error);

    /// <summary><c>{"type":"error","error":{"type":...,"message":...}}</c> with the Anthropic type for the status.</summary>
    public static byte[] SerializeAnthropic(in ApiError error)
    {
        using var buffer = new Buffers.PooledBufferWriter(256 + error.Message.Length * 2);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "error"u8);
            writer.WriteStartObject("error"u8);
            writer.WriteString("type"u8, AnthropicErrorTypes.For(error));
            writer.WriteString("message"u8, error.Message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Answers with the error (OpenAI envelope) when the response has not started; false when it has.</summary>
    public static ValueTask<bool> TryWriteAsync(HttpResponse response, ApiError error, CancellationToken ct) =>
        TryWriteAsync(response, error, ErrorFormat.OpenAi, ct);

    /// <summary>Answers with the error in <paramref name="format"/> when the response has not started; false when it has.</summary>
    public static async ValueTask<bool> TryWriteAsync(HttpResponse response, ApiError error, ErrorFormat format, CancellationToken ct)
    {
        if (response.HasStarted)
        {
            return false;
        }

        var body = Serialize(error, format);
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
    public static byte[] SseErrorEvent(in ApiError error, ErrorFormat format) => format switch
    {
        ErrorFormat.Anthropic => AnthropicSseErrorEvent(error),
        ErrorFormat.OpenAiResponses => ResponsesSseErrorEvent(error),
        _ => SseErrorEvent(error),
    };

    /// <summary><c>event: error\ndata: {"type":"error","code":...,"message":...,"param":...}\n\n</c>, the Responses
    /// API's stream error event.</summary>
    public static byte[] ResponsesSseErrorEvent(in ApiError error)
    {
        using var buffer = new Buffers.PooledBufferWriter(256 + error.Message.Length * 2);
        buffer.Write("event: error\ndata: "u8);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "error"u8);
            if (error.Code is null)
            {
                writer.WriteNull("code"u8);
            }
            else
            {
                writer.WriteString("code"u8, error.Code);
            }

            writer.WriteString("message"u8, error.Message);
            if (error.Param is null)
            {
                writer.WriteNull("param"u8);
            }
            else
            {
                writer.WriteString("param"u8, error.Param);
            }

            writer.WriteEndObject();
        }

        buffer.Write(SseEventEnd);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>event: error\ndata: {"type":"error","error":{...}}\n\n</c>, Anthropic's stream error event.</summary>
    public static byte[] AnthropicSseErrorEvent(in ApiError error)
    {
        var json = SerializeAnthropic(error);
        var evt = new byte[AnthropicErrorEventPrefix.Length + json.Length + SseEventEnd.Length];
        AnthropicErrorEventPrefix.CopyTo(evt);
        json.CopyTo(evt.AsSpan(AnthropicErrorEventPrefix.Length));
        SseEventEnd.CopyTo(evt.AsSpan(AnthropicErrorEventPrefix.Length + json.Length));
        return evt;
    }

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
