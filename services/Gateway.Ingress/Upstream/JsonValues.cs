using System.Text.Json;

namespace Gateway.Ingress.Upstream;

/// <summary>
/// The steps every wire reader of the Ingress (bodies and stream events) takes on a property's value, with the reader
/// on the property name: read it as a string, enter it as an object, measure its strings, or skip it. A value of
/// another type than expected is skipped whole, so readers tolerate fields they do not know the shape of.
/// </summary>
internal static class JsonValues
{
    /// <summary>Moves to the value; true with the string when it is one, else skips it.</summary>
    public static bool TryReadString(ref Utf8JsonReader reader, out string? value)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            value = reader.GetString();
            return true;
        }

        reader.Skip();
        value = null;
        return false;
    }

    /// <summary>Moves to the value; true when it is an object (the reader on its StartObject), else skips it.</summary>
    public static bool EnterObject(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }

        reader.Skip();
        return false;
    }

    /// <summary>Moves to the value and skips it whole.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>The raw size of every string inside the object or array the reader is on (it ends on its end).</summary>
    public static long MeasureStrings(ref Utf8JsonReader reader)
    {
        long total = 0;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                total += reader.ValueSpan.Length;
            }
        }

        return total;
    }
}
