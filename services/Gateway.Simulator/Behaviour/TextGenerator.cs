namespace Gateway.Simulator.Behaviour;

/// <summary>
/// An endless, deterministic sequence of text pieces (one piece = one token = one streamed delta) drawn from a fixed
/// word list by a SplitMix64 generator. Every piece is a preallocated string, so generating allocates nothing.
/// </summary>
internal struct TextGenerator(ulong seed)
{
    private const int Lower = 0;
    private const int Capital = 1;
    private const int NoPunctuation = 0;
    private const int Comma = 1;
    private const int Period = 2;

    private static readonly string[] Words =
    [
        "the", "gateway", "routes", "every", "request", "to", "a", "provider", "and", "streams", "tokens", "back",
        "quickly", "while", "metering", "usage", "for", "billing", "with", "care", "model", "answer", "simple",
        "signal", "latency", "budget", "cache", "stays", "fresh", "under", "load", "small", "buffers", "flow",
        "through", "each", "hop", "without", "waiting", "on", "slow", "services", "clients", "keep", "their",
        "own", "tools", "only", "the", "base", "address", "changes", "quota", "holds", "limits", "fairly",
        "across", "replicas", "events", "arrive", "once", "in", "order", "as", "expected", "by", "design",
    ];

    // [word][leading space 0|1][case][punctuation]
    private static readonly string[][][][] Pieces = BuildPieces();

    private ulong _state = seed;
    private bool _started;
    private bool _capitalizeNext = true;

    public string Next()
    {
        var random = NextRandom();
        var word = (int)(random % (ulong)Words.Length);
        var roll = (int)((random >> 32) % 100);
        var punctuation = roll < 10 ? Period : roll < 22 ? Comma : NoPunctuation;
        var piece = Pieces[word][_started ? 1 : 0][_capitalizeNext ? Capital : Lower][punctuation];
        _started = true;
        _capitalizeNext = punctuation == Period;
        return piece;
    }

    private ulong NextRandom()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return PromptDigest.Mix(_state);
    }

    private static string[][][][] BuildPieces()
    {
        var pieces = new string[Words.Length][][][];
        string[] punctuationMarks = ["", ",", "."];
        for (var w = 0; w < Words.Length; w++)
        {
            var word = Words[w];
            var capital = char.ToUpperInvariant(word[0]) + word[1..];
            pieces[w] = new string[2][][];
            for (var space = 0; space < 2; space++)
            {
                var lead = space == 1 ? " " : "";
                pieces[w][space] = new string[2][];
                for (var casing = 0; casing < 2; casing++)
                {
                    var text = casing == Capital ? capital : word;
                    pieces[w][space][casing] = new string[punctuationMarks.Length];
                    for (var p = 0; p < punctuationMarks.Length; p++)
                    {
                        pieces[w][space][casing][p] = lead + text + punctuationMarks[p];
                    }
                }
            }
        }

        return pieces;
    }
}
