using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Ingress.Chat;

/// <summary>
/// Rewrites a chat-completions body for the upstream in one pass into a pooled buffer: <c>model</c> becomes the
/// route's upstream model, and a streaming request gets <c>stream_options.include_usage: true</c> so the gateway can
/// meter it. Everything else is copied byte for byte (unknown fields, whitespace, key order, number formats):
/// the rewrite splices replacement bytes at the offsets <see cref="ChatRequestReader"/> recorded instead of
/// re-serialising the document.
/// </summary>
internal static class ChatRequestRewriter
{
    private static ReadOnlySpan<byte> AppendStreamOptions => ""","stream_options":{"include_usage":true}"""u8;
    private static ReadOnlySpan<byte> StreamOptionsObject => """{"include_usage":true}"""u8;
    private static ReadOnlySpan<byte> IncludeUsageProperty => "\"include_usage\":true"u8;
    private static ReadOnlySpan<byte> IncludeUsagePropertyThenComma => "\"include_usage\":true,"u8;
    private static ReadOnlySpan<byte> True => "true"u8;

    private enum EditKind : byte
    {
        Model,
        Replace,
        Insert,
    }

    private readonly struct Edit(int start, int length, EditKind kind, int literal)
    {
        public readonly int Start = start;
        public readonly int Length = length;
        public readonly EditKind Kind = kind;
        public readonly int Literal = literal;
    }

    /// <summary>An upper bound for the rewritten size, for sizing the output buffer.</summary>
    public static int EstimateSize(int bodyLength, string upstreamModel) => bodyLength + (upstreamModel.Length * 6) + 64;

    /// <summary>Rewrites <c>model</c>; with <paramref name="forceIncludeUsage"/> (chat completions) a streaming
    /// request also gets <c>stream_options.include_usage: true</c>. Other surfaces only get the model spliced.</summary>
    public static void Rewrite(ReadOnlySpan<byte> body, in ChatRequest request, string upstreamModel, IBufferWriter<byte> output,
        bool forceIncludeUsage = true)
    {
        Span<Edit> edits = stackalloc Edit[2];
        var count = 0;
        edits[count++] = new Edit(request.ModelStart, request.ModelLength, EditKind.Model, 0);

        if (request.Stream && forceIncludeUsage)
        {
            if (request.StreamOptionsLength < 0)
            {
                edits[count++] = new Edit(request.ObjectEnd, 0, EditKind.Insert, 0);
            }
            else if (request.StreamOptionsIsNull)
            {
                edits[count++] = new Edit(request.StreamOptionsStart, request.StreamOptionsLength, EditKind.Replace, 1);
            }
            else if (request.IncludeUsageLength >= 0)
            {
                if (!body.Slice(request.IncludeUsageStart, request.IncludeUsageLength).SequenceEqual(True))
                {
                    edits[count++] = new Edit(request.IncludeUsageStart, request.IncludeUsageLength, EditKind.Replace, 2);
                }
            }
            else
            {
                // Insert right after the '{' of stream_options.
                edits[count++] = new Edit(request.StreamOptionsStart + 1, 0, EditKind.Insert,
                    request.StreamOptionsHasOtherProperties ? 2 : 1);
            }
        }

        if (count == 2 && edits[1].Start < edits[0].Start)
        {
            (edits[0], edits[1]) = (edits[1], edits[0]);
        }

        var position = 0;
        for (var i = 0; i < count; i++)
        {
            var edit = edits[i];
            output.Write(body[position..edit.Start]);
            switch (edit.Kind)
            {
                case EditKind.Model:
                    WriteJsonString(upstreamModel, output);
                    break;
                case EditKind.Replace:
                    output.Write(edit.Literal == 1 ? StreamOptionsObject : True);
                    break;
                case EditKind.Insert:
                    output.Write(edit.Literal switch
                    {
                        0 => AppendStreamOptions,
                        1 => IncludeUsageProperty,
                        _ => IncludeUsagePropertyThenComma,
                    });
                    break;
            }

            position = edit.Start + edit.Length;
        }

        output.Write(body[position..]);
    }

    /// <summary>Writes a JSON string literal; plain ASCII names (the usual case) are copied without an encoder.</summary>
    internal static void WriteJsonString(string value, IBufferWriter<byte> output)
    {
        var plain = true;
        foreach (var c in value)
        {
            if (c is < (char)0x20 or > (char)0x7E or '"' or '\\')
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            var span = output.GetSpan(value.Length + 2);
            span[0] = (byte)'"';
            for (var i = 0; i < value.Length; i++)
            {
                span[i + 1] = (byte)value[i];
            }

            span[value.Length + 1] = (byte)'"';
            output.Advance(value.Length + 2);
            return;
        }

        var encoded = JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        var target = output.GetSpan(encoded.EncodedUtf8Bytes.Length + 2);
        target[0] = (byte)'"';
        encoded.EncodedUtf8Bytes.CopyTo(target[1..]);
        target[encoded.EncodedUtf8Bytes.Length + 1] = (byte)'"';
        output.Advance(encoded.EncodedUtf8Bytes.Length + 2);
    }
}
