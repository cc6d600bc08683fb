using System.Globalization;

namespace Gateway.Simulator.Behaviour;

/// <summary>What one response does: its timing, its length and its fault.</summary>
internal readonly record struct SimulationPlan(int TimeToFirstTokenMs, int InterTokenDelayMs, int OutputTokens, Fault Fault)
{
    /// <summary>The plan as sent back in the <c>x-sim-plan</c> response header.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"ttft={TimeToFirstTokenMs} itl={InterTokenDelayMs} tokens={OutputTokens} fault={Fault}");
}

/// <summary>Values set by one source (headers or a directive); null when that source does not set them.</summary>
internal struct PlanOverrides
{
    public int? TimeToFirstTokenMs;
    public int? InterTokenDelayMs;
    public int? OutputTokens;
    public Fault? Fault;

    /// <summary>Directive only: the function tool to call (<c>tool=NAME</c>).</summary>
    public string? Tool;

    /// <summary>Directive only: how many tool calls to make when parallel calls are allowed (<c>tools=N</c>, 1-16).</summary>
    public int? Tools;

    /// <summary>Directive only: the arguments of the tool calls, a JSON object written without spaces or ']'
    /// (<c>args={"cmd":"ls"}</c>), used as given instead of generated ones.</summary>
    public string? Args;

    /// <summary>Sets one <c>key=value</c> pair; false when the key is unknown or the value invalid.</summary>
    public bool TrySet(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        if (key.Equals("fault", StringComparison.OrdinalIgnoreCase))
        {
            if (!Behaviour.Fault.TryParse(value, out var fault))
            {
                return false;
            }

            Fault = fault;
            return true;
        }

        if (key.Equals("ttft", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseBounded(value, Limits.MaxDelayMs, ref TimeToFirstTokenMs);
        }

        if (key.Equals("itl", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseBounded(value, Limits.MaxDelayMs, ref InterTokenDelayMs);
        }

        if (key.Equals("tokens", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseBounded(value, Limits.MaxTokens, ref OutputTokens);
        }

        if (key.Equals("tool", StringComparison.OrdinalIgnoreCase))
        {
            if (value.IsEmpty)
            {
                return false;
            }

            Tool = value.ToString();
            return true;
        }

        if (key.Equals("args", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(value.ToString());
                if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
                {
                    return false;
                }

                Args = document.RootElement.GetRawText();
                return true;
            }
            catch (System.Text.Json.JsonException)
            {
                return false;
            }
        }

        if (key.Equals("tools", StringComparison.OrdinalIgnoreCase))
        {
            int? count = null;
            if (!TryParseBounded(value, MaxToolCalls, ref count) || count < 1)
            {
                return false;
            }

            Tools = count;
            return true;
        }

        return false;
    }

    private const int MaxToolCalls = 16;

    private static bool TryParseBounded(ReadOnlySpan<char> value, int max, ref int? target)
    {
        if (!int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed > max)
        {
            return false;
        }

        target = parsed;
        return true;
    }
}

/// <summary>Combines config, headers and directives: directive values override headers override config.</summary>
internal static class PlanResolver
{
    public const string TtftHeader = "x-sim-ttft-ms";
    public const string ItlHeader = "x-sim-itl-ms";
    public const string TokensHeader = "x-sim-tokens";
    public const string FaultHeader = "x-sim-fault";
    public const string PlanHeader = "x-sim-plan";

    public static bool TryResolve(
        SimulatorOptions options,
        IHeaderDictionary headers,
        in PlanOverrides directive,
        out SimulationPlan plan,
        out string? error)
    {
        var fromHeaders = default(PlanOverrides);
        if (!TryReadHeader(headers, TtftHeader, "ttft", ref fromHeaders, out error)
            || !TryReadHeader(headers, ItlHeader, "itl", ref fromHeaders, out error)
            || !TryReadHeader(headers, TokensHeader, "tokens", ref fromHeaders, out error)
            || !TryReadHeader(headers, FaultHeader, "fault", ref fromHeaders, out error))
        {
            plan = default;
            return false;
        }

        plan = new SimulationPlan(
            directive.TimeToFirstTokenMs ?? fromHeaders.TimeToFirstTokenMs ?? options.TimeToFirstTokenMs,
            directive.InterTokenDelayMs ?? fromHeaders.InterTokenDelayMs ?? options.InterTokenDelayMs,
            directive.OutputTokens ?? fromHeaders.OutputTokens ?? options.OutputTokens,
            directive.Fault ?? fromHeaders.Fault ?? Fault.None);
        return true;
    }

    private static bool TryReadHeader(IHeaderDictionary headers, string header, string key, ref PlanOverrides target, out string? error)
    {
        error = null;
        var value = headers[header];
        if (value.Count == 0)
        {
            return true;
        }

        if (value.Count == 1 && target.TrySet(key, value[0]))
        {
            return true;
        }

        error = $"Invalid simulator header '{header}'.";
        return false;
    }
}
