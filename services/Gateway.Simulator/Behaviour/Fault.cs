using System.Globalization;

namespace Gateway.Simulator.Behaviour;

internal enum FaultKind
{
    None,
    /// <summary>Answer with an HTTP error status in the wire's own envelope.</summary>
    Status,
    /// <summary>Send the headers (and for streams the preamble), then go silent until the client gives up.</summary>
    Stall,
    /// <summary>Streams: emit n content deltas, then abort the connection. Non-streaming: abort before the body.</summary>
    Drop,
    /// <summary>200 with a body that is not valid JSON (or not valid SSE).</summary>
    Garbage,
}

/// <summary>A fault injected into one response. <see cref="Value"/> is the status code or the delta count.</summary>
internal readonly record struct Fault(FaultKind Kind, int Value)
{
    public static Fault None => default;

    /// <summary>Parses <c>none</c>, <c>status:&lt;400-599&gt;</c>, <c>stall</c>, <c>drop:&lt;n&gt;</c> or <c>garbage</c>.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Fault fault)
    {
        text = text.Trim();
        fault = None;
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (text.Equals("stall", StringComparison.OrdinalIgnoreCase))
        {
            fault = new Fault(FaultKind.Stall, 0);
            return true;
        }

        if (text.Equals("garbage", StringComparison.OrdinalIgnoreCase))
        {
            fault = new Fault(FaultKind.Garbage, 0);
            return true;
        }

        var colon = text.IndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        var name = text[..colon];
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        if (name.Equals("status", StringComparison.OrdinalIgnoreCase) && value is >= 400 and <= 599)
        {
            fault = new Fault(FaultKind.Status, value);
            return true;
        }

        if (name.Equals("drop", StringComparison.OrdinalIgnoreCase) && value <= Limits.MaxTokens)
        {
            fault = new Fault(FaultKind.Drop, value);
            return true;
        }

        return false;
    }

    public override string ToString() => Kind switch
    {
        FaultKind.Status => string.Create(CultureInfo.InvariantCulture, $"status:{Value}"),
        FaultKind.Stall => "stall",
        FaultKind.Drop => string.Create(CultureInfo.InvariantCulture, $"drop:{Value}"),
        FaultKind.Garbage => "garbage",
        _ => "none",
    };
}
