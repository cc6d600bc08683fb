using System.Globalization;

namespace Gateway.Grpc.Protocol;

/// <summary>
/// The grpc-timeout header: <c>TimeoutValue TimeoutUnit</c>, at most 8 ASCII digits followed by one of
/// H (hours), M (minutes), S (seconds), m (milliseconds), u (microseconds), n (nanoseconds).
/// </summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    /// <summary>Parses a grpc-timeout value. False for anything that is not exactly digits and a unit.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || value.Length > 9)
        {
            return false;
        }

        var digits = value[..^1];
        long number = 0;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            number = (number * 10) + (c - '0');
        }

        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = number * TimeSpan.TicksPerHour; break;
            case 'M': ticks = number * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = number * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = number * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = number * 10; break; // 1 tick = 100 ns
            case 'n': ticks = (number + 99) / 100; break; // round up: a deadline is never shortened
            default: return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Formats a timeout with the finest unit that fits in 8 digits, rounding up so the server never sees a
    /// shorter deadline than the client's. Negative values format as 0 (already expired).
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = Math.Max(0, timeout.Ticks);
        if (ticks <= MaxValue / 100)
        {
            return Compose(ticks * 100, 'n');
        }

        var micros = CeilDiv(ticks, 10);
        if (micros <= MaxValue)
        {
            return Compose(micros, 'u');
        }

        var millis = CeilDiv(ticks, TimeSpan.TicksPerMillisecond);
        if (millis <= MaxValue)
        {
            return Compose(millis, 'm');
        }

        var seconds = CeilDiv(ticks, TimeSpan.TicksPerSecond);
        if (seconds <= MaxValue)
        {
            return Compose(seconds, 'S');
        }

        var minutes = CeilDiv(ticks, TimeSpan.TicksPerMinute);
        if (minutes <= MaxValue)
        {
            return Compose(minutes, 'M');
        }

        return Compose(Math.Min(MaxValue, CeilDiv(ticks, TimeSpan.TicksPerHour)), 'H');
    }

    private static long CeilDiv(long value, long divisor) => (value + divisor - 1) / divisor;

    private static string Compose(long value, char unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{value}{unit}");
}
