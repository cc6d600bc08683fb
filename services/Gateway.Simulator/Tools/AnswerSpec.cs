using System.Security.Cryptography;
using System.Text;
using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.Tools;

/// <summary>A tool call the simulator makes: its ids, the tool's name and the arguments (compact JSON).</summary>
internal sealed record ToolCall(string Id, string CallId, string Name, string Arguments)
{
    /// <summary>The argument JSON cut into the fragments that are streamed (one fragment = one output token).</summary>
    public string[] Fragments { get; } = Fragmenter.Split(Arguments);
}

/// <summary>
/// What kind of answer a request gets beyond plain text, decided while parsing (the request's JSON is gone after that):
/// tool calls, a fixed structured text (JSON output), a thinking block, hidden reasoning tokens.
/// </summary>
internal sealed record AnswerSpec(ToolCall[] ToolCalls, string? StructuredText, int ThinkingPieces, int ReasoningTokens)
{
    public static AnswerSpec Plain { get; } = new([], null, 0, 0);

    /// <summary>Thinking pieces per thinking block (Anthropic <c>thinking</c> enabled or adaptive).</summary>
    public const int DefaultThinkingPieces = 8;

    /// <summary>Hidden reasoning tokens reported for an OpenAI reasoning effort (<c>none</c> → 0).</summary>
    public static int ReasoningTokensFor(string? effort) => effort switch
    {
        null or "" or "none" => 0,
        "minimal" => 4,
        "low" => 8,
        "high" => 32,
        "xhigh" => 64,
        _ => 16,
    };
}

/// <summary>Cuts JSON text into at least three fragments (when it has three characters) at fixed, arbitrary points.</summary>
internal static class Fragmenter
{
    private const int MaxFragment = 12;

    public static string[] Split(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var size = Math.Clamp(text.Length / 3, 1, MaxFragment);
        var fragments = new List<string>((text.Length / size) + 1);
        var position = 0;
        while (position < text.Length)
        {
            var length = Math.Min(size, text.Length - position);
            // Never split a surrogate pair: fragments must each be valid UTF-16 (and UTF-8 on the wire).
            if (position + length < text.Length && char.IsHighSurrogate(text[position + length - 1]))
            {
                length++;
            }

            fragments.Add(text.Substring(position, length));
            position += length;
        }

        return [.. fragments];
    }
}

/// <summary>The thinking block of an answer: deterministic text and its signature.</summary>
internal static class Thinking
{
    private const ulong SeedSalt = 0x7468696E6B696E67UL; // "thinking"

    public static string[] Pieces(ulong seed, int count)
    {
        var generator = new TextGenerator(seed ^ SeedSalt);
        var pieces = new string[count];
        for (var i = 0; i < count; i++)
        {
            pieces[i] = generator.Next();
        }

        return pieces;
    }

    /// <summary>A deterministic base64 signature of the thinking text (SHA-256 of it, twice for length).</summary>
    public static string Signature(string model, string thinking)
    {
        var first = SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(model, "\u001f", thinking)));
        var second = SHA256.HashData(first);
        return "Esim" + Convert.ToBase64String([.. first, .. second]);
    }
}

/// <summary>The blocks of an answer in the order they are sent.</summary>
internal static class AnswerBlocks
{
    public static AnswerBlock[] For(SimRequest request)
    {
        var spec = request.Answer;
        var blocks = new AnswerBlock[(spec.ThinkingPieces > 0 ? 1 : 0) + Math.Max(1, spec.ToolCalls.Length)];
        var index = 0;
        if (spec.ThinkingPieces > 0)
        {
            var pieces = Thinking.Pieces(request.Seed, spec.ThinkingPieces);
            blocks[index] = new AnswerBlock(BlockKind.Thinking, index, pieces, Signature: Thinking.Signature(request.Model, string.Concat(pieces)));
            index++;
        }

        if (spec.ToolCalls.Length == 0)
        {
            blocks[index] = new AnswerBlock(BlockKind.Text, index, spec.StructuredText is { } structured ? Fragmenter.Split(structured) : null);
            return blocks;
        }

        foreach (var call in spec.ToolCalls)
        {
            blocks[index] = new AnswerBlock(BlockKind.ToolCall, index, call.Fragments, call);
            index++;
        }

        return blocks;
    }
}
