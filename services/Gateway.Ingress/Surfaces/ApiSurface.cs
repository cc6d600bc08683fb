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
    OpenAiResponses,
    OpenAiImages,
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
        ApiSurface.OpenAiResponses => "openai.responses",
        ApiSurface.OpenAiImages => "openai.images",
        _ => "anthropic.count_tokens",
    };

    public static ErrorFormat ErrorFormat(this ApiSurface surface) => surface switch
    {
        ApiSurface.AnthropicMessages or ApiSurface.AnthropicCountTokens => Errors.ErrorFormat.Anthropic,
        ApiSurface.OpenAiResponses => Errors.ErrorFormat.OpenAiResponses,
        _ => Errors.ErrorFormat.OpenAi,
    };

    public static RequestShape Shape(this ApiSurface surface) => surface switch
    {
        ApiSurface.OpenAiChat => RequestShape.ChatCompletions,
        ApiSurface.OpenAiEmbeddings => RequestShape.Embeddings,
        ApiSurface.AnthropicMessages => RequestShape.AnthropicMessages,
        ApiSurface.OpenAiResponses => RequestShape.Responses,
        ApiSurface.OpenAiImages => RequestShape.Images,
        _ => RequestShape.AnthropicCountTokens,
    };

    /// <summary>The upstream wire this surface is relayed to byte for byte (apart from the model name). Embeddings
    /// and images are relayed to either OpenAI wire (<see cref="AcceptsWire"/>).</summary>
    public static WireKind SameWire(this ApiSurface surface) => surface switch
    {
        ApiSurface.AnthropicMessages or ApiSurface.AnthropicCountTokens => WireKind.AnthropicMessages,
        ApiSurface.OpenAiResponses => WireKind.OpenaiResponses,
        _ => WireKind.OpenaiChat,
    };

    /// <summary>Whether an upstream of <paramref name="wire"/> can be called with this surface's body unchanged.
    /// OpenAI providers of either wire serve <c>/embeddings</c> and <c>/images/generations</c>.</summary>
    public static bool AcceptsWire(this ApiSurface surface, WireKind wire) => surface switch
    {
        ApiSurface.OpenAiEmbeddings or ApiSurface.OpenAiImages => wire is WireKind.OpenaiChat or WireKind.OpenaiResponses,
        _ => wire == surface.SameWire(),
    };

    /// <summary>The path appended to the provider's base URL.</summary>
    public static string UpstreamPath(this ApiSurface surface) => surface switch
    {
        ApiSurface.OpenAiChat => "/chat/completions",
        ApiSurface.OpenAiEmbeddings => "/embeddings",
        ApiSurface.AnthropicMessages => "/messages",
        ApiSurface.OpenAiResponses => "/responses",
        ApiSurface.OpenAiImages => "/images/generations",
        _ => "/messages/count_tokens",
    };

    public static SseDialect Dialect(this ApiSurface surface) => surface.SameWire() switch
    {
        WireKind.AnthropicMessages => SseDialect.AnthropicMessages,
        WireKind.OpenaiResponses => SseDialect.OpenAiResponses,
        _ => SseDialect.OpenAiChat,
    };

    /// <summary>Whether a call produces a usage event (count_tokens generates nothing and is not metered).</summary>
    public static bool Metered(this ApiSurface surface) => surface != ApiSurface.AnthropicCountTokens;

    /// <summary>The surfaces that generate text (chat, messages, responses): the ones the chat capability governs.</summary>
    public static bool Generates(this ApiSurface surface) =>
        surface is ApiSurface.OpenAiChat or ApiSurface.AnthropicMessages or ApiSurface.OpenAiResponses;

    /// <summary>The translation library's wire of a generating surface (<see cref="Generates"/>).</summary>
    public static Gateway.Translation.Wire ClientWire(this ApiSurface surface) => surface switch
    {
        ApiSurface.AnthropicMessages or ApiSurface.AnthropicCountTokens => Gateway.Translation.Wire.AnthropicMessages,
        ApiSurface.OpenAiResponses => Gateway.Translation.Wire.OpenAiResponses,
        _ => Gateway.Translation.Wire.OpenAiChat,
    };

    /// <summary>The request field holding the conversation (named by capability errors).</summary>
    public static string HistoryField(this ApiSurface surface) => surface == ApiSurface.OpenAiResponses ? "input" : "messages";

    /// <summary>The request field offering tools.</summary>
    public static string ToolsField(this ApiSurface surface) => "tools";

    /// <summary>The <c>gen_ai.operation.name</c> of the upstream span.</summary>
    public static string Operation(this ApiSurface surface) => surface switch
    {
        ApiSurface.OpenAiEmbeddings => "embeddings",
        ApiSurface.AnthropicCountTokens => "count_tokens",
        ApiSurface.OpenAiImages => "generate_content",
        _ => "chat",
    };
}
