namespace Gateway.Simulator.Behaviour;

/// <summary>
/// Reduces the prompt of a request to what the simulator needs: a seed for the answer (a hash of the model and of the
/// message text with directives left out, so only the length settings change with a directive) and the input token
/// count (ceil(chars / 4) of all message text, at least 1).
/// </summary>
internal sealed class PromptDigest
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;
    private const char MessageSeparator = '\u001e';
    private const char RoleSeparator = '\u001f';

    private ulong _hash = FnvOffset;
    private long _chars;

    public PromptDigest(string model) => Hash(model);

    public int InputTokens => (int)Math.Clamp((_chars + 3) / 4, 1, int.MaxValue);

    public ulong Seed => Mix(_hash);

    public void BeginMessage(string role)
    {
        Hash([MessageSeparator]);
        Hash(role);
        Hash([RoleSeparator]);
    }

    /// <summary>Counts all of <paramref name="text"/>; hashes it without its directives.</summary>
    public void AddText(ReadOnlySpan<char> text)
    {
        _chars += text.Length;
        var position = 0;
        while (Directives.TryFindNext(text, position, out var begin, out var end))
        {
            Hash(text[position..begin]);
            position = end;
        }

        Hash(text[position..]);
    }

    private void Hash(ReadOnlySpan<char> text)
    {
        var hash = _hash;
        foreach (var c in text)
        {
            hash = (hash ^ c) * FnvPrime;
        }

        _hash = hash;
    }

    /// <summary>The SplitMix64 finalizer: spreads FNV's weak low bits over the whole seed.</summary>
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
