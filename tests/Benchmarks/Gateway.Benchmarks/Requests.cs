using System.Net.Http.Headers;
using System.Text;

namespace Gateway.Benchmarks;

/// <summary>The request bodies every target gets (the same bytes for all).</summary>
internal static class Requests
{
    public const string Model = "sim-gpt";

    /// <summary>Non-streaming: the simulator's default plan (no delays, 16 pieces), a small fixed answer.</summary>
    public static readonly string Plain =
        $$"""{"model":"{{Model}}","max_tokens":16,"messages":[{"role":"user","content":"Say something short for the benchmark. [sim ttft=0 itl=0 tokens=16]"}]}""";

    /// <summary>Streaming: 16 pieces, 2 ms before each (about 32 ms a stream), usage at the end.</summary>
    public static readonly string Stream =
        $$"""{"model":"{{Model}}","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Stream something for the benchmark. [sim ttft=0 itl=2 tokens=16]"}]}""";

    /// <summary>Streaming that never ends (the simulator's stall fault): for the idle-streams measurement.</summary>
    public static readonly string Stall =
        $$"""{"model":"{{Model}}","stream":true,"messages":[{"role":"user","content":"Hold this stream open. [sim fault=stall]"}]}""";

    public static HttpRequestMessage Create(Target target, string body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, target.ChatUrl)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in target.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    public static HttpClient CreateClient(int maxConnections) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        MaxConnectionsPerServer = maxConnections,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
}
