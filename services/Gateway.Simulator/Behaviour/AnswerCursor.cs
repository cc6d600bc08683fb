using System.Diagnostics.CodeAnalysis;

namespace Gateway.Simulator.Behaviour;

internal enum FinishReason
{
    /// <summary>The answer ended by itself (OpenAI "stop", Anthropic "end_turn").</summary>
    Stop,
    /// <summary>The max_tokens cap cut the answer (OpenAI "length", Anthropic "max_tokens").</summary>
    Length,
    /// <summary>A stop sequence of the request was produced (OpenAI "stop", Anthropic "stop_sequence").</summary>
    StopSequence,
    /// <summary>The answer is one or more tool calls (OpenAI "tool_calls", Anthropic "tool_use").</summary>
    ToolUse,
}

/// <summary>How an answer ended and how many content pieces (deltas, the simulator's tokens) were emitted.</summary>
internal readonly record struct Outcome(FinishReason Reason, string? StopSequence, int OutputTokens);

/// <summary>
/// Walks the pieces of one answer: <c>min(planned, max_tokens)</c> generated pieces. With stop sequences it behaves
/// like the providers: text that could be the start of a stop sequence is held back until it is known not to be one,
/// and the answer ends before a stop sequence (which is not emitted). Every piece returned is one output token, so
/// with stop sequences a returned piece can join generated ones, or end early.
/// </summary>
internal sealed class AnswerCursor
{
    private readonly int _limit;
    private readonly bool _capped;
    private readonly string[] _stopSequences;
    private TextGenerator _generator;
    private int _generated;
    private string _held = string.Empty;
    private string? _matchedStop;
    private bool _stopAfterCurrent;
    private bool _done;

    public AnswerCursor(ulong seed, int plannedTokens, int? maxTokens, string[] stopSequences)
    {
        _generator = new TextGenerator(seed);
        _capped = maxTokens is { } cap && cap < plannedTokens;
        _limit = _capped ? maxTokens!.Value : plannedTokens;
        _stopSequences = Array.FindAll(stopSequences, s => s.Length > 0);
    }

    public int Emitted { get; private set; }

    /// <summary>Valid once <see cref="TryNext"/> returned false.</summary>
    public Outcome Outcome { get; private set; }

    public bool TryNext([NotNullWhen(true)] out string? piece)
    {
        piece = null;
        if (_done)
        {
            return false;
        }

        if (_stopAfterCurrent)
        {
            return Finish(FinishReason.StopSequence);
        }

        while (_generated < _limit)
        {
            var next = _generator.Next();
            _generated++;
            if (_stopSequences.Length == 0)
            {
                return Emit(next, out piece);
            }

            var candidate = string.Concat(_held, next);
            if (FindStop(candidate, out var stopIndex))
            {
                _held = string.Empty;
                if (stopIndex == 0)
                {
                    return Finish(FinishReason.StopSequence);
                }

                _stopAfterCurrent = true;
                return Emit(candidate[..stopIndex], out piece);
            }

            var hold = LongestStopPrefixSuffix(candidate);
            _held = candidate[^hold..];
            if (hold < candidate.Length)
            {
                return Emit(candidate[..^hold], out piece);
            }
        }

        if (_held.Length > 0)
        {
            // The answer ended on the start of a stop sequence that never completed: it is plain text after all.
            var rest = _held;
            _held = string.Empty;
            return Emit(rest, out piece);
        }

        return Finish(_capped ? FinishReason.Length : FinishReason.Stop);
    }

    private bool Emit(string text, out string piece)
    {
        piece = text;
        Emitted++;
        return true;
    }

    private bool Finish(FinishReason reason)
    {
        _done = true;
        Outcome = new Outcome(reason, reason == FinishReason.StopSequence ? _matchedStop : null, Emitted);
        return false;
    }

    /// <summary>Finds the earliest complete stop sequence in <paramref name="text"/>.</summary>
    private bool FindStop(string text, out int index)
    {
        index = -1;
        foreach (var stop in _stopSequences)
        {
            var found = text.IndexOf(stop, StringComparison.Ordinal);
            if (found >= 0 && (index < 0 || found < index))
            {
                index = found;
                _matchedStop = stop;
            }
        }

        return index >= 0;
    }

    /// <summary>Length of the longest suffix of <paramref name="text"/> that is a proper prefix of a stop sequence.</summary>
    private int LongestStopPrefixSuffix(string text)
    {
        var longest = 0;
        foreach (var stop in _stopSequences)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }

        return longest;
    }
}
