using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Ingress.Tests.Fakes;

/// <summary>What the fake upstream received.</summary>
internal sealed record ReceivedRequest(string Id, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// A tiny OpenAI chat-completions server on a real Kestrel port. Each request picks its behaviour with headers the
/// Ingress forwards (<c>x-sim-*</c>): <c>x-sim-id</c> names the request, <c>x-sim-mode</c> is one of
/// normal | gate | cut | end-early | empty-stream | stall-headers | stall-stream | garbage | error | error-html | no-usage,
/// <c>x-sim-status</c> the status of error modes, <c>x-sim-tokens</c> the number of content chunks.
/// In gate mode the stream sends its first content chunk and waits for <see cref="ReleaseGate"/> before the rest;
/// in cut mode it waits for the gate too, then drops the connection.
/// </summary>
internal sealed partial class FakeOpenAiUpstream : IAsyncDisposable
{
    public const string ProviderKey = "sk-provider-secret-abcdef";
    public const string ErrorEnvelope = """{"error":{"message":"Rate limit reached for gpt-test-upstream","type":"requests","param":null,"code":"rate_limit_exceeded"}}""";
    public const string CompletionText = "Hello from the fake upstream";

    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _aborted = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _sentLast = new();

    private FakeOpenAiUpstream(WebApplication app)
    {
        _app = app;
    }

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public int Port { get; private set; }

    public string BaseUrl => $"http://127.0.0.1:{Port}/v1";

    public static async Task<FakeOpenAiUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new FakeOpenAiUpstream(app);
        app.MapPost("/v1/chat/completions", upstream.HandleAsync);
        app.MapPost("/v1/messages", upstream.HandleMessagesAsync);
        app.MapPost("/v1/messages/count_tokens", upstream.HandleCountTokensAsync);
        app.MapPost("/v1/embeddings", upstream.HandleEmbeddingsAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        upstream.Port = new Uri(address).Port;
        return upstream;
    }

    public ReceivedRequest? Find(string id) => Received.FirstOrDefault(r => r.Id == id);

    public void ReleaseGate(string id) => Gate(id).TrySetResult();

    /// <summary>Completes when the upstream saw the request for <paramref name="id"/> aborted by its client (the Ingress).</summary>
    public Task AbortedAsync(string id) => Signal(_aborted, id).Task;

    /// <summary>Whether the upstream already wrote its last event for <paramref name="id"/>.</summary>
    public bool SentLast(string id) => Signal(_sentLast, id).Task.IsCompleted;

    private TaskCompletionSource Gate(string id) => Signal(_gates, id);

    private static TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> map, string id) =>
        map.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task HandleAsync(HttpContext context)
    {
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var id = headers.GetValueOrDefault("x-sim-id") ?? Guid.NewGuid().ToString("N");
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        Received.Enqueue(new ReceivedRequest(id, context.Request.Path, headers, body));
        context.RequestAborted.Register(() => Signal(_aborted, id).TrySetResult());

        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object
            && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
        var model = root.GetProperty("model").GetString()!;
        var mode = headers.GetValueOrDefault("x-sim-mode") ?? "normal";
        var status = int.TryParse(headers.GetValueOrDefault("x-sim-status"), out var st) ? st : 500;
        var tokens = int.TryParse(headers.GetValueOrDefault("x-sim-tokens"), out var t) ? t : 3;

        try
        {
            switch (mode)
            {
                case "stall-headers":
                    await Task.Delay(MaxWait, context.RequestAborted);
                    return;
                case "error":
                    context.Response.StatusCode = status;
                    context.Response.ContentType = "application/json";
                    context.Response.Headers.RetryAfter = "7";
                    await context.Response.WriteAsync(ErrorEnvelope, context.RequestAborted);
                    return;
                case "error-html":
                    context.Response.StatusCode = status;
                    context.Response.ContentType = "text/html";
                    await context.Response.WriteAsync("<html><body>Bad gateway</body></html>", context.RequestAborted);
                    return;
                case "garbage" when !stream:
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("this is not json", context.RequestAborted);
                    return;
            }

            if (!stream)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(CompletionJson(model), context.RequestAborted);
                return;
            }

            context.Response.ContentType = "text/event-stream";
            if (mode == "garbage")
            {
                await WriteAsync(context, "data: {this is not json\n\n");
                return;
            }

            if (mode == "empty-stream")
            {
                await context.Response.Body.FlushAsync(context.RequestAborted);
                return;
            }

            await WriteAsync(context, Chunk(model, """{"role":"assistant","content":""}""", null, includeUsage));
            await WriteAsync(context, Chunk(model, """{"content":"Hello"}""", null, includeUsage));
            switch (mode)
            {
                case "gate":
                    await Gate(id).Task.WaitAsync(MaxWait, context.RequestAborted);
                    break;
                case "cut":
                    // Drop the connection (RST) once the test has seen the first events.
                    await Gate(id).Task.WaitAsync(MaxWait, context.RequestAborted);
                    context.Abort();
                    return;
                case "end-early":
                    // End the response cleanly, but without [DONE].
                    return;
                case "stall-stream":
                    await Task.Delay(MaxWait, context.RequestAborted);
                    return;
            }

            for (var i = 1; i < tokens; i++)
            {
                await WriteAsync(context, Chunk(model, $$"""{"content":" tok{{i}}"}""", null, includeUsage));
            }

            await WriteAsync(context, Chunk(model, "{}", "\"stop\"", includeUsage));
            if (includeUsage && mode != "no-usage")
            {
                await WriteAsync(context, UsageChunk(model, tokens));
            }

            Signal(_sentLast, id).TrySetResult();
            await WriteAsync(context, "data: [DONE]\n\n");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private static async Task WriteAsync(HttpContext context, string text)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static string Chunk(string model, string delta, string? finish, bool includeUsage) =>
        "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
        + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + (finish ?? "null") + "}]"
        + (includeUsage ? ",\"usage\":null" : string.Empty) + "}\n\n";

    public static string UsageChunk(string model, int tokens) =>
        "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
        + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":" + tokens + ",\"total_tokens\":" + (11 + tokens)
        + ",\"prompt_tokens_details\":{\"cached_tokens\":4},\"completion_tokens_details\":{\"reasoning_tokens\":1}}}\n\n";

    public static string CompletionJson(string model) =>
        "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + model
        + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + CompletionText
        + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":7,\"total_tokens\":27,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":5},\"completion_tokens_details\":{\"reasoning_tokens\":2}},"
        + "\"x_unknown_field\":{\"kept\":true}}";

    public async ValueTask DisposeAsync()
    {
        foreach (var gate in _gates.Values)
        {
            gate.TrySetResult();
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
