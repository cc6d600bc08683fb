using Gateway.Ingress.Chat;
using Gateway.Ingress.Errors;
using Gateway.Ingress.Streaming;
using Gateway.Routing.V1;

namespace Gateway.Ingress.Surfaces;

/// <summary>A client-facing API the Ingress serves through the shared request pipeline.</summary>
internal enum ApiSurface : byte
{
    OpenAiChat,
    OpenAiEmbeddings,
    AnthropicMessages,
    AnthropicCountTokens,
}

/// <summary>What differs between surfaces: their name, error envelope, body shape, and the upstream wire and path
/// they are relayed to unchanged.</summary>
internal static class ApiSurfaces
{
    public static string Name(this ApiSurface surface) => surface switch
    {
        ApiSurface.OpenAiChat => "openai.chat",
        ApiSurface.OpenAiEmbeddings => "openai.embeddings",
        ApiSurface.AnthropicMessages => "anthropic.messages",
        _ => "anthropic.count_tokens",
    };

    public static ErrorFormat ErrorFormat(this ApiSurface surface) =>
        surface is ApiSurface.AnthropicMessages or ApiSurface.AnthropicCountTokens ? Errors.ErrorFormat.Anthropic : Errors.ErrorFormat.OpenAi;

    public static RequestShape Shape(this ApiSurface surface) => surface switch
    {
        ApiSurface.OpenAiChat => RequestShape.ChatCompletions,
        ApiSurface.OpenAiEmbeddings => RequestShape.Embeddings,
        ApiSurface.AnthropicMessages => RequestShape.AnthropicMessages,
        _ => RequestShape.AnthropicCountTokens,
    };

    /// <summary>The upstream wire this surface is relayed to byte for byte (apart from the model name).</summary>
    public static WireKind SameWire(this ApiSurface surface) =>
        surface is ApiSurface.AnthropicMessages or ApiSurface.AnthropicCountTokens ? WireKind.AnthropicMessages : WireKind.OpenaiChat;

    /// <summary>The path appended to the provider's base URL.</summary>
    public static string UpstreamPath(this ApiSurface surface) => surface switch
    {
        ApiSurface.OpenAiChat => "/chat/completions",
        ApiSurface.OpenAiEmbeddings => "/embeddings",
        ApiSurface.AnthropicMessages => "/messages",
        _ => "/messages/count_tokens",
    };

    public static SseDialect Dialect(this ApiSurface surface) =>
        surface.SameWire() == WireKind.AnthropicMessages ? SseDialect.AnthropicMessages : SseDialect.OpenAiChat;

    /// <summary>Whether a call produces a usage event (count_tokens generates nothing and is not metered).</summary>
    public static bool Metered(this ApiSurface surface) => surface != ApiSurface.AnthropicCountTokens;

    /// <summary>The <c>gen_ai.operation.name</c> of the upstream span.</summary>
    public static string Operation(this ApiSurface surface) => surface switch
    {
        ApiSurface.OpenAiEmbeddings => "embeddings",
        ApiSurface.AnthropicCountTokens => "count_tokens",
        _ => "chat",
    };
}
