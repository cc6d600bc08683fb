using System.Text.Json;

namespace Gateway.Translation.Streaming;

/// <summary>Small <see cref="Utf8JsonReader"/> helpers shared by the decoders.</summary>
internal static class Json
{
    /// <summary>The current string token unescaped: the reader's own bytes when nothing is escaped, else a copy in
    /// <paramref name="scratch"/> (valid until its next use). Empty for null and non-strings.</summary>
    public static ReadOnlySpan<byte> Str(scoped ref Utf8JsonReader reader, PooledBuffer scratch)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return default;
        }

        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        scratch.Clear();
        var n = reader.CopyString(scratch.GetSpan(reader.ValueSpan.Length));
        scratch.Advance(n);
        return scratch.Span;
    }

    public static string? String(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    public static long Long(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var v))
        {
            return v;
        }

        reader.Skip();
        return 0;
    }

    /// <summary>The top-level <c>type</c> string of an event's data (for events without an SSE <c>event:</c> name).</summary>
    public static ReadOnlySpan<byte> TopLevelType(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return default;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                return reader.ValueSpan;
            }

            reader.Skip();
        }

        return default;
    }

    /// <summary>Reads a finish/stop reason of any wire.</summary>
    public static FinishReason Finish(ReadOnlySpan<byte> reason) => reason switch
    {
        _ when reason.SequenceEqual("stop"u8) || reason.SequenceEqual("end_turn"u8) => FinishReason.Stop,
        _ when reason.SequenceEqual("length"u8) || reason.SequenceEqual("max_tokens"u8)
            || reason.SequenceEqual("max_output_tokens"u8) || reason.SequenceEqual("model_context_window_exceeded"u8) => FinishReason.Length,
        _ when reason.SequenceEqual("tool_calls"u8) || reason.SequenceEqual("tool_use"u8)
            || reason.SequenceEqual("function_call"u8) => FinishReason.ToolUse,
        _ when reason.SequenceEqual("stop_sequence"u8) => FinishReason.StopSequence,
        _ when reason.SequenceEqual("content_filter"u8) || reason.SequenceEqual("refusal"u8) => FinishReason.ContentFilter,
        _ => FinishReason.Stop,
    };
}
