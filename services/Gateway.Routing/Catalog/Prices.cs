namespace Gateway.Routing.Catalog;

/// <summary>Catalog prices (USD per million tokens, as decimals) to the wire's integer micro-USD per million tokens.</summary>
internal static class Prices
{
    /// <summary>No model costs more than this per million tokens; larger values are typos.</summary>
    public const decimal MaxUsdPerMTok = 1_000_000m;

    /// <summary>
    /// Exact conversion: the price times 1,000,000 must be a whole number, i.e. at most six decimal places
    /// (0.075 → 75000). Anything finer is an error rather than a silent rounding.
    /// </summary>
    public static bool TryToMicros(decimal usdPerMTok, out long micros, out string? error)
    {
        micros = 0;
        if (usdPerMTok < 0)
        {
            error = "must not be negative";
            return false;
        }

        if (usdPerMTok > MaxUsdPerMTok)
        {
            error = $"must not exceed {MaxUsdPerMTok} USD per million tokens";
            return false;
        }

        var scaled = usdPerMTok * 1_000_000m;
        if (scaled != decimal.Truncate(scaled))
        {
            error = "has more than 6 decimal places (prices are whole micro-USD per million tokens)";
            return false;
        }

        micros = (long)scaled;
        error = null;
        return true;
    }
}
