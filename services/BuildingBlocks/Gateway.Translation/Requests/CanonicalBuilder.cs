namespace Gateway.Translation.Requests;

/// <summary>What every reader does once the wire-specific fields are read: splits the leading system prompt off the
/// conversation, derives the capability flags and checks options that contradict each other.</summary>
internal static class CanonicalBuilder
{
    /// <summary>Appends <paramref name="part"/> to the last message when it has <paramref name="role"/>, else to a new one.</summary>
    public static void AppendTo(List<CanonicalMessage> messages, MessageRole role, ContentPart part)
    {
        if (messages.Count == 0 || messages[^1].Role != role)
        {
            messages.Add(new CanonicalMessage(role));
        }

        messages[^1].Parts.Add(part);
    }

    public static void Finish(CanonicalRequest request, List<CanonicalMessage> all, string messagesPath, string toolChoicePath)
    {
        var leading = true;
        foreach (var message in all)
        {
            if (leading && message.Role == MessageRole.System)
            {
                foreach (var part in message.Parts)
                {
                    if (part is TextPart text)
                    {
                        request.System.Add(text);
                    }
                }

                continue;
            }

            leading = false;
            if (message.Parts.Count > 0)
            {
                request.Messages.Add(message);
            }
        }

        if (request.Messages.Count == 0)
        {
            throw JsonRead.Invalid(messagesPath, $"Invalid '{messagesPath}': expected at least one message besides the system prompt.",
                all.Count == 0 ? "empty_array" : "invalid_value");
        }

        var usesTools = request.Tools.Count > 0;
        var usesImages = false;
        foreach (var message in request.Messages)
        {
            foreach (var part in message.Parts)
            {
                switch (part)
                {
                    case ToolCallPart:
                        usesTools = true;
                        break;
                    case ToolResultPart result:
                        usesTools = true;
                        usesImages |= result.Content.Any(static c => c is ImagePart);
                        break;
                    case ImagePart:
                        usesImages = true;
                        break;
                }
            }
        }

        request.UsesTools = usesTools;
        request.UsesImages = usesImages;

        switch (request.ToolChoice)
        {
            case { Mode: ToolChoiceMode.Required } when request.Tools.Count == 0:
                throw JsonRead.Invalid(toolChoicePath, $"Invalid '{toolChoicePath}': a tool call is required but no tools are offered.");
            case { Mode: ToolChoiceMode.Named, Name: { } name } when !request.Tools.Any(t => t.UpstreamName == name || t.Name == name):
                throw JsonRead.Invalid(toolChoicePath, $"Invalid '{toolChoicePath}': the tool '{name}' is not among the tools offered.");
            case { Mode: ToolChoiceMode.Named, Name: { } named }:
                // Name the tool the way the upstream knows it (a namespaced tool may be named without its namespace).
                var tool = request.Tools.First(t => t.UpstreamName == named || t.Name == named);
                request.ToolChoice = new CanonicalToolChoice(ToolChoiceMode.Named, tool.UpstreamName);
                break;
        }
    }
}
