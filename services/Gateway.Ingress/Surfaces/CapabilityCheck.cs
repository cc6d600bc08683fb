using Gateway.Ingress.Errors;
using Gateway.Routing.V1;
using Route = Gateway.Routing.V1.Route;

namespace Gateway.Ingress.Surfaces;

/// <summary>
/// Whether the routed model can serve what a request needs: chat surfaces need <c>chat</c> (plus <c>tools</c> when the
/// request offers tools or carries tool history, <c>vision</c> when it carries images, <c>json</c> when it asks for a
/// JSON response format), embeddings need
/// <c>embeddings</c>, image generation <c>images</c>. A route without capabilities (an older Routing) gets the catalog's
/// default for a chat model: chat, tools, vision, json. count_tokens is never refused.
/// </summary>
internal static class CapabilityCheck
{
    public static readonly Capabilities Default = new() { Chat = true, Tools = true, Vision = true, Json = true };

    public static Capabilities Of(Route route) => route.Capabilities ?? Default;

    /// <summary>The 400 to answer, or null when the model can serve the request.</summary>
    public static ApiError? Check(ApiSurface surface, Route route, bool usesTools, string? toolsParam, bool usesImages, string? imagesParam,
        string? jsonParam = null)
    {
        var caps = Of(route);
        var model = route.Model;
        switch (surface)
        {
            case ApiSurface.OpenAiEmbeddings:
                return caps.Embeddings ? null : ApiErrors.CapabilityNotSupported(model, "embeddings", "model");
            case ApiSurface.OpenAiImages:
                return caps.Images ? null : ApiErrors.CapabilityNotSupported(model, "image generation", "model");
            case ApiSurface.AnthropicCountTokens:
                return null;
        }

        if (!caps.Chat)
        {
            return ApiErrors.CapabilityNotSupported(model, "chat", "model");
        }

        if (usesTools && !caps.Tools)
        {
            return ApiErrors.CapabilityNotSupported(model, "tools", toolsParam ?? "tools");
        }

        if (usesImages && !caps.Vision)
        {
            return ApiErrors.CapabilityNotSupported(model, "image inputs", imagesParam ?? "messages");
        }

        if (jsonParam is not null && !caps.Json)
        {
            return ApiErrors.CapabilityNotSupported(model, "structured (JSON) output", jsonParam);
        }

        return null;
    }
}
