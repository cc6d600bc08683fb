namespace Gateway.Translation;

/// <summary>The three wire protocols a client surface or an upstream provider can speak.</summary>
public enum Wire : byte
{
    /// <summary>OpenAI Chat Completions (<c>/chat/completions</c>).</summary>
    OpenAiChat,

    /// <summary>Anthropic Messages (<c>/messages</c>).</summary>
    AnthropicMessages,

    /// <summary>OpenAI Responses (<c>/responses</c>).</summary>
    OpenAiResponses,
}
