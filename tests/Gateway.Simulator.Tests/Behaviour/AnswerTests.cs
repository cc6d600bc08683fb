using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.Tests.Behaviour;

public sealed class AnswerTests
{
    [Fact]
    public void TextGenerator_SameSeed_SameSequence()
    {
        var a = new TextGenerator(42);
        var b = new TextGenerator(42);
        var c = new TextGenerator(43);

        var first = Enumerable.Range(0, 50).Select(_ => a.Next()).ToList();
        var second = Enumerable.Range(0, 50).Select(_ => b.Next()).ToList();
        var other = Enumerable.Range(0, 50).Select(_ => c.Next()).ToList();

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.False(first[0].StartsWith(' '));
        Assert.True(char.IsUpper(first[0][0]));
        Assert.All(first.Skip(1), piece => Assert.StartsWith(" ", piece));
    }

    [Fact]
    public void AnswerCursor_NoCap_EmitsPlannedPiecesAndStops()
    {
        var (pieces, outcome) = Drain(new AnswerCursor(7, plannedTokens: 12, maxTokens: null, []));

        Assert.Equal(12, pieces.Count);
        Assert.Equal(new Outcome(FinishReason.Stop, null, 12), outcome);
    }

    [Fact]
    public void AnswerCursor_CapBelowPlanned_EmitsCapWithLength()
    {
        var (pieces, outcome) = Drain(new AnswerCursor(7, plannedTokens: 12, maxTokens: 5, []));

        Assert.Equal(5, pieces.Count);
        Assert.Equal(FinishReason.Length, outcome.Reason);
        Assert.Equal(5, outcome.OutputTokens);
    }

    [Fact]
    public void AnswerCursor_CapEqualToPlanned_StopsNaturally()
    {
        var (_, outcome) = Drain(new AnswerCursor(7, plannedTokens: 5, maxTokens: 5, []));

        Assert.Equal(FinishReason.Stop, outcome.Reason);
    }

    [Fact]
    public void AnswerCursor_StopSequenceAcrossPieces_CutsBeforeItAndCountsEmittedPieces()
    {
        var (full, _) = Drain(new AnswerCursor(99, 30, null, []));
        var text = string.Concat(full);
        // A stop sequence that starts inside piece 10 and ends inside piece 11.
        var start = string.Concat(full.Take(10)).Length - 2;
        var stop = text.Substring(start, 4);
        var expected = text[..text.IndexOf(stop, StringComparison.Ordinal)];

        var (pieces, outcome) = Drain(new AnswerCursor(99, 30, null, [stop]));

        Assert.Equal(expected, string.Concat(pieces));
        Assert.Equal(FinishReason.StopSequence, outcome.Reason);
        Assert.Equal(stop, outcome.StopSequence);
        Assert.Equal(pieces.Count, outcome.OutputTokens);
    }

    [Fact]
    public void AnswerCursor_StopSequenceNeverProduced_Ignored()
    {
        var (pieces, outcome) = Drain(new AnswerCursor(5, 10, null, ["\u2603never"]));

        Assert.Equal(10, pieces.Count);
        Assert.Equal(FinishReason.Stop, outcome.Reason);
    }

    [Fact]
    public void AnswerCursor_AnswerEndsOnStartOfStopSequence_HeldTextFlushedAsPlainText()
    {
        var (full, _) = Drain(new AnswerCursor(11, 6, null, []));
        var text = string.Concat(full);
        // The last two characters of the answer followed by something that never comes.
        var stop = text[^2..] + "\u2603";

        var (pieces, outcome) = Drain(new AnswerCursor(11, 6, null, [stop]));

        Assert.Equal(text, string.Concat(pieces));
        Assert.Equal(FinishReason.Stop, outcome.Reason);
        Assert.Null(outcome.StopSequence);
        Assert.Equal(pieces.Count, outcome.OutputTokens);
    }

    [Fact]
    public void AnswerCursor_StopSequenceAtStart_EmptyAnswer()
    {
        var (full, _) = Drain(new AnswerCursor(3, 5, null, []));

        var (pieces, outcome) = Drain(new AnswerCursor(3, 5, null, [full[0][..2]]));

        Assert.Empty(pieces);
        Assert.Equal(new Outcome(FinishReason.StopSequence, full[0][..2], 0), outcome);
    }

    [Fact]
    public void PromptDigest_DirectiveText_CountedButNotHashed()
    {
        var plain = new PromptDigest("m");
        plain.BeginMessage("user");
        plain.AddText("hello there");
        var directed = new PromptDigest("m");
        directed.BeginMessage("user");
        directed.AddText("hello [sim tokens=3]there");

        Assert.Equal(plain.Seed, directed.Seed);
        Assert.Equal(3, plain.InputTokens);
        Assert.Equal(7, directed.InputTokens);
    }

    [Fact]
    public void PromptDigest_RoleOrModelOrText_ChangesSeed()
    {
        static ulong Seed(string model, string role, string text)
        {
            var digest = new PromptDigest(model);
            digest.BeginMessage(role);
            digest.AddText(text);
            return digest.Seed;
        }

        var baseline = Seed("m", "user", "hi");
        Assert.NotEqual(baseline, Seed("n", "user", "hi"));
        Assert.NotEqual(baseline, Seed("m", "assistant", "hi"));
        Assert.NotEqual(baseline, Seed("m", "user", "hj"));
    }

    [Fact]
    public void PromptDigest_EmptyPrompt_CountsOneInputToken()
    {
        var digest = new PromptDigest("m");
        digest.BeginMessage("user");
        digest.AddText(string.Empty);

        Assert.Equal(1, digest.InputTokens);
    }

    private static (List<string> Pieces, Outcome Outcome) Drain(AnswerCursor cursor)
    {
        var pieces = new List<string>();
        while (cursor.TryNext(out var piece))
        {
            pieces.Add(piece);
        }

        return (pieces, cursor.Outcome);
    }
}
