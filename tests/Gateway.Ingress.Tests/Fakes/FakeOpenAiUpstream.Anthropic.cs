using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Ingress.Tests.Fakes;

/// <summary>
/// The same fake server's Anthropic Messages (<c>/v1/messages</c>, <c>/v1/messages/count_tokens</c>) and OpenAI
/// embeddings (<c>/v1/embeddings</c>) endpoints. Messages modes (<c>x-sim-mode</c>): normal | cut (first events, the
/// gate, then a dropped connection) | error (<c>x-sim-status</c>, an Anthropic envelope) | no-usage.
/// </summary>
internal sealed partial class FakeOpenAiUpstream
{
    public const string AnthropicErrorEnvelope = """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""";

    private async Task<(string Id, JsonDocument Json, string Mode, int Status)> ReceiveAsync(HttpContext context)
    {
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var id = headers.GetValueOrDefault("x-sim-id") ?? Guid.NewGuid().ToString("N");
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        Received.Enqueue(new ReceivedRequest(id, context.Request.Path, headers, body));
        context.RequestAborted.Register(() => Signal(_aborted, id).TrySetResult());
        var mode = headers.GetValueOrDefault("x-sim-mode") ?? "normal";
        var status = int.TryParse(headers.GetValueOrDefault("x-sim-status"), out var st) ? st : 529;
        return (id, JsonDocument.Parse(body), mode, status);
    }

    private async Task HandleMessagesAsync(HttpContext context)
    {
        var (id, json, mode, status) = await ReceiveAsync(context);
        using var _ = json;
        var root = json.RootElement;
        var model = root.GetProperty("model").GetString()!;
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        try
        {
            if (mode == "error")
            {
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(AnthropicErrorEnvelope, context.RequestAborted);
                return;
            }

            if (!stream)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(MessageJson(model), context.RequestAborted);
                return;
            }

            context.Response.ContentType = "text/event-stream; charset=utf-8";
            var events = AnthropicStreamEvents(model, mode != "no-usage");
            for (var i = 0; i < events.Count; i++)
            {
                if (mode == "cut" && i == 4)
                {
                    await Gate(id).Task.WaitAsync(MaxWait, context.RequestAborted);
                    context.Abort();
                    return;
                }

                if (i == events.Count - 1)
                {
                    Signal(_sentLast, id).TrySetResult();
                }

                await WriteAsync(context, events[i]);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private async Task HandleCountTokensAsync(HttpContext context)
    {
        var (_, json, _, _) = await ReceiveAsync(context);
        json.Dispose();
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("""{"input_tokens":42}""", context.RequestAborted);
    }

    private async Task HandleEmbeddingsAsync(HttpContext context)
    {
        var (_, json, mode, status) = await ReceiveAsync(context);
        using var _ = json;
        context.Response.ContentType = "application/json";
        if (mode == "error")
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsync(ErrorEnvelope, context.RequestAborted);
            return;
        }

        await context.Response.WriteAsync(EmbeddingsJson(json.RootElement.GetProperty("model").GetString()!), context.RequestAborted);
    }

    public static string EmbeddingsJson(string model) =>
        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":\"AACAPwAAAEA=\"}],\"model\":\"" + model
        + "\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}";

    public static string MessageJson(string model) =>
        "{\"id\":\"msg_fake\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model
        + "\",\"content\":[{\"type\":\"text\",\"text\":\"" + CompletionText + "\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":20,\"cache_creation_input_tokens\":2,\"cache_read_input_tokens\":6,\"output_tokens\":9}}";

    /// <summary>A streamed answer as Anthropic sends it: message_start (input and cache usage), a text block in
    /// three deltas, a ping, message_delta (output usage), message_stop.</summary>
    public static List<string> AnthropicStreamEvents(string model, bool usage = true) =>
    [
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\""
            + model + "\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null"
            + (usage ? ",\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":5,\"output_tokens\":1}" : string.Empty)
            + "}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" tok1\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" tok2\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null}"
            + (usage ? ",\"usage\":{\"output_tokens\":7}" : string.Empty) + "}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    ];
}
