using System.Buffers;
using System.Text.Json;
using Gateway.Ingress.Upstream;
using Gateway.Ingress.Usage;

namespace Gateway.Ingress.Streaming;

/// <summary>Which wire's events a <see cref="SseScanner"/> inspects.</summary>
internal enum SseDialect : byte
{
    /// <summary>Chat-completions chunks, ending with <c>data: [DONE]</c>.</summary>
    OpenAiChat,

    /// <summary>Anthropic Messages events (the <c>type</c> inside each data payload), ending with <c>message_stop</c>.</summary>
    AnthropicMessages,

    /// <summary>OpenAI Responses events (the <c>type</c> inside each data payload), ending with
    /// <c>response.completed</c>, <c>response.incomplete</c> or <c>response.failed</c>.</summary>
    OpenAiResponses,
}

/// <summary>What to do with the next complete event.</summary>
internal enum SseNext : byte
{
    /// <summary>No complete event in the buffer: read more.</summary>
    NeedMore,

    /// <summary>Relay the event's bytes unchanged.</summary>
    Forward,

    /// <summary>The usage-only chunk the client did not ask for: leave it out.</summary>
    Drop,

    /// <summary>The upstream sent something that is not an OpenAI chunk stream.</summary>
    Garbage,
}

/// <summary>
/// The SSE parser of the streaming relay. Upstream bytes are read straight into its pooled buffer
/// (<see cref="GetReadMemory"/>/<see cref="Advance"/>); <see cref="Next"/> hands back each complete event as a slice
/// of that buffer, byte-identical, and inspects it on the way: <c>data: [DONE]</c>, error events, content deltas,
/// the response model and the usage chunk (<c>"usage":{...}</c> with <c>"choices":[]</c>), which is dropped when
/// the client did not ask for usage. Events are relayed whole: an event is held back only until its closing blank
/// line arrives. No allocation per event (the response model string is read once).
/// </summary>
internal sealed class SseScanner : IDisposable
{
    public const int DefaultBufferSize = 16 * 1024;
    public const int DefaultMaxEventBytes = 4 * 1024 * 1024;

    private static ReadOnlySpan<byte> Done => "[DONE]"u8;
    private static ReadOnlySpan<byte> DataField => "data"u8;

    private readonly int _maxEventBytes;
    private byte[] _buffer;
    private byte[]? _scratch;
    private int _start;
    private int _end;
    private int _scan;
    private bool _atLineStart = true;
    private UsageCounts _usage;
    private AnthropicUsage _anthropicUsage;

    public SseScanner(bool clientWantsUsage, int bufferSize = DefaultBufferSize, int maxEventBytes = DefaultMaxEventBytes,
        SseDialect dialect = SseDialect.OpenAiChat)
    {
        ClientWantsUsage = clientWantsUsage;
        Dialect = dialect;
        _maxEventBytes = Math.Max(maxEventBytes, bufferSize);
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    public bool ClientWantsUsage { get; }

    public SseDialect Dialect { get; }

    /// <summary><c>data: [DONE]</c> (Anthropic: <c>message_stop</c>) arrived: the stream is complete.</summary>
    public bool SawDone { get; private set; }

    /// <summary>The upstream sent an error event (<c>data: {"error":{...}}</c>).</summary>
    public bool SawErrorEvent { get; private set; }

    /// <summary>Responses: the terminal event was <c>response.failed</c> (the stream is complete, the answer is not).</summary>
    public bool TerminalFailed { get; private set; }

    public bool UsageSeen { get; private set; }

    public UsageCounts Usage => _usage;

    /// <summary>Choices with content, reasoning, refusal or tool-call deltas in the events handed out.</summary>
    public int ContentDeltas { get; private set; }

    /// <summary>Whether the last event handed out carried a content delta (for time to first token).</summary>
    public bool LastEventHadContent { get; private set; }

    public string? ResponseModel { get; private set; }

    /// <summary>The JSON of the first error event, copied (error path only).</summary>
    public byte[]? ErrorPayload { get; private set; }

    /// <summary>Bytes read but not yet handed out as a complete event.</summary>
    public int PendingBytes => _end - _start;

    /// <summary>Where the next read goes. Empty when a single event outgrew the limit (treat as garbage).</summary>
    public Memory<byte> GetReadMemory()
    {
        if (_start == _end)
        {
            _start = _end = _scan = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _scan -= _start;
                _start = 0;
            }
            else if (_buffer.Length >= _maxEventBytes)
            {
                return Memory<byte>.Empty;
            }
            else
            {
                var next = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _maxEventBytes));
                _buffer.AsSpan(0, _end).CopyTo(next);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = next;
            }
        }

        return _buffer.AsMemory(_end);
    }

    public void Advance(int count) => _end += count;

    /// <summary>
    /// The next complete event, if any. <paramref name="final"/> says the upstream ended: a trailing event whose
    /// last line is complete is then accepted without its blank line; a partial line is never relayed.
    /// </summary>
    public SseNext Next(bool final, out ReadOnlySpan<byte> evt)
    {
        evt = default;
        var data = _buffer.AsSpan(0, _end);
        var i = _scan;
        var eventEnd = -1;
        while (i < _end)
        {
            if (!_atLineStart)
            {
                var found = data[i..].IndexOfAny((byte)'\r', (byte)'\n');
                if (found < 0)
                {
                    i = _end;
                    break;
                }

                i += found;
            }

            var b = data[i];
            if (b == (byte)'\n')
            {
                if (_atLineStart)
                {
                    eventEnd = i + 1;
                    break;
                }

                _atLineStart = true;
                i++;
            }
            else if (b == (byte)'\r')
            {
                if (i + 1 == _end && !final)
                {
                    // A CR at the end of what we have: wait to see whether LF follows.
                    break;
                }

                var terminator = i + 1 < _end && data[i + 1] == (byte)'\n' ? 2 : 1;
                if (_atLineStart)
                {
                    eventEnd = i + terminator;
                    break;
                }

                _atLineStart = true;
                i += terminator;
            }
            else
            {
                _atLineStart = false;
                i++;
            }
        }

        if (eventEnd < 0)
        {
            _scan = i;
            if (!final || _start == _end || !_atLineStart || _scan != _end)
            {
                return SseNext.NeedMore;
            }

            // The upstream ended after a complete line but without the blank line: accept the event.
            eventEnd = _end;
        }

        evt = data[_start..eventEnd];
        _start = eventEnd;
        _scan = eventEnd;
        _atLineStart = true;
        return Classify(evt);
    }

    private SseNext Classify(ReadOnlySpan<byte> evt)
    {
        LastEventHadContent = false;
        ReadOnlySpan<byte> payload = default;
        var dataLines = 0;
        var scratchLength = 0;

        var rest = evt;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            if (end < 0)
            {
                rest = default;
            }
            else
            {
                var skip = rest[end] == (byte)'\r' && end + 1 < rest.Length && rest[end + 1] == (byte)'\n' ? 2 : 1;
                rest = rest[(end + skip)..];
            }

            if (!line.StartsWith(DataField))
            {
                continue;
            }

            ReadOnlySpan<byte> value;
            if (line.Length == DataField.Length)
            {
                value = default;
            }
            else if (line[DataField.Length] == (byte)':')
            {
                value = line[(DataField.Length + 1)..];
                if (!value.IsEmpty && value[0] == (byte)' ')
                {
                    value = value[1..];
                }
            }
            else
            {
                continue; // a field such as "dataset:", not "data"
            }

            dataLines++;
            if (dataLines == 1)
            {
                payload = value;
                continue;
            }

            // Several data lines: the SSE data buffer is their values joined by '\n'.
            if (dataLines == 2)
            {
                scratchLength = 0;
                AppendScratch(payload, ref scratchLength);
            }

            AppendScratch("\n"u8, ref scratchLength);
            AppendScratch(value, ref scratchLength);
        }

        if (dataLines == 0)
        {
            return SseNext.Forward; // comments (keep-alives), event:/id:/retry: lines, stray blank lines
        }

        if (dataLines > 1)
        {
            payload = _scratch.AsSpan(0, scratchLength);
        }

        var trimmed = payload.Trim(" \t\r\n"u8);
        if (Dialect == SseDialect.AnthropicMessages)
        {
            return trimmed.IsEmpty ? SseNext.Forward : InspectAnthropicEvent(trimmed);
        }

        if (Dialect == SseDialect.OpenAiResponses)
        {
            return trimmed.IsEmpty ? SseNext.Forward : InspectResponsesEvent(trimmed);
        }

        if (trimmed.SequenceEqual(Done))
        {
            SawDone = true;
            return SseNext.Forward;
        }

        if (trimmed.IsEmpty)
        {
            return SseNext.Forward;
        }

        return InspectChunk(trimmed);
    }

    private SseNext InspectChunk(ReadOnlySpan<byte> json)
    {
        var choices = -1;
        var deltas = 0;
        var hasUsage = false;
        var isError = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return SseNext.Garbage;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        choices = ReadChoices(ref reader, ref deltas);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    if (JsonValues.EnterObject(ref reader))
                    {
                        var usage = default(UsageCounts);
                        OpenAiJson.ReadUsage(ref reader, ref usage);
                        _usage = usage;
                        hasUsage = true;
                    }
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    isError = reader.TokenType == JsonTokenType.StartObject;
                    reader.Skip();
                }
                else if (ResponseModel is null && reader.ValueTextEquals("model"u8))
                {
                    if (JsonValues.TryReadString(ref reader, out var text))
                    {
                        ResponseModel = text;
                    }
                }
                else
                {
                    JsonValues.SkipValue(ref reader);
                }
            }

            if (reader.Read())
            {
                return SseNext.Garbage;
            }
        }
        catch (JsonException)
        {
            // Malformed JSON ends the stream as garbage: at most once per stream.
            return SseNext.Garbage;
        }

        if (isError)
        {
            SawErrorEvent = true;
            ErrorPayload ??= json.ToArray();
            return SseNext.Forward;
        }

        if (deltas > 0)
        {
            ContentDeltas += deltas;
            LastEventHadContent = true;
        }

        if (hasUsage)
        {
            UsageSeen = true;
            if (choices <= 0 && !ClientWantsUsage)
            {
                return SseNext.Drop;
            }
        }

        return SseNext.Forward;
    }

    private enum AnthropicEvent : byte
    {
        Other,
        ContentBlockDelta,
        MessageStop,
        Error,
    }

    /// <summary>
    /// An Anthropic event: <c>message_start</c> (model, usage with input and cache tokens), <c>content_block_delta</c>
    /// (output), <c>message_delta</c> (usage, output tokens), <c>message_stop</c> (the end), <c>error</c>. Each usage
    /// field seen replaces the earlier value; the normalised sum is kept. Never dropped: Anthropic has no
    /// usage-only event.
    /// </summary>
    private SseNext InspectAnthropicEvent(ReadOnlySpan<byte> json)
    {
        var kind = AnthropicEvent.Other;
        var hasUsage = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return SseNext.Garbage;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return SseNext.Garbage;
                    }

                    kind = reader.ValueTextEquals("content_block_delta"u8) ? AnthropicEvent.ContentBlockDelta
                        : reader.ValueTextEquals("message_stop"u8) ? AnthropicEvent.MessageStop
                        : reader.ValueTextEquals("error"u8) ? AnthropicEvent.Error
                        : AnthropicEvent.Other;
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        if (reader.ValueTextEquals("usage"u8))
                        {
                            reader.Read();
                            hasUsage |= ReadAnthropicUsage(ref reader);
                        }
                        else if (ResponseModel is null && reader.ValueTextEquals("model"u8))
                        {
                            if (JsonValues.TryReadString(ref reader, out var text))
                            {
                                ResponseModel = text;
                            }
                        }
                        else
                        {
                            JsonValues.SkipValue(ref reader);
                        }
                    }
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    hasUsage |= ReadAnthropicUsage(ref reader);
                }
                else
                {
                    JsonValues.SkipValue(ref reader);
                }
            }

            if (reader.Read())
            {
                return SseNext.Garbage;
            }
        }
        catch (JsonException)
        {
            return SseNext.Garbage;
        }

        if (hasUsage)
        {
            UsageSeen = true;
            _usage = _anthropicUsage.Normalise();
        }

        switch (kind)
        {
            case AnthropicEvent.Error:
                SawErrorEvent = true;
                ErrorPayload ??= json.ToArray();
                break;
            case AnthropicEvent.ContentBlockDelta:
                ContentDeltas++;
                LastEventHadContent = true;
                break;
            case AnthropicEvent.MessageStop:
                SawDone = true;
                break;
        }

        return SseNext.Forward;
    }

    private enum ResponsesEvent : byte
    {
        Other,
        Delta,
        Terminal,
        Failed,
        Error,
    }

    /// <summary>
    /// A Responses event: <c>response.*.delta</c> (output), the <c>response</c> object of lifecycle events (model;
    /// usage in <c>response.usage</c>, final on the terminal event), the terminal events <c>response.completed</c>,
    /// <c>response.incomplete</c> and <c>response.failed</c>, and <c>error</c>. Never dropped.
    /// </summary>
    private SseNext InspectResponsesEvent(ReadOnlySpan<byte> json)
    {
        var kind = ResponsesEvent.Other;
        var usage = default(UsageCounts);
        var hasUsage = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return SseNext.Garbage;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return SseNext.Garbage;
                    }

                    kind = reader.ValueTextEquals("response.completed"u8) || reader.ValueTextEquals("response.incomplete"u8)
                        ? ResponsesEvent.Terminal
                        : reader.ValueTextEquals("response.failed"u8) ? ResponsesEvent.Failed
                        : reader.ValueTextEquals("error"u8) ? ResponsesEvent.Error
                        : IsDelta(reader.ValueSpan) ? ResponsesEvent.Delta
                        : ResponsesEvent.Other;
                }
                else if (reader.ValueTextEquals("response"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    var model = ResponseModel;
                    long ignored = 0;
                    ResponsesJson.ReadResponse(ref reader, ref usage, ref hasUsage, ref model, ref ignored);
                    ResponseModel = model;
                }
                else
                {
                    JsonValues.SkipValue(ref reader);
                }
            }

            if (reader.Read())
            {
                return SseNext.Garbage;
            }
        }
        catch (JsonException)
        {
            return SseNext.Garbage;
        }

        if (hasUsage)
        {
            UsageSeen = true;
            _usage = usage;
        }

        switch (kind)
        {
            case ResponsesEvent.Error:
                SawErrorEvent = true;
                ErrorPayload ??= json.ToArray();
                break;
            case ResponsesEvent.Delta:
                ContentDeltas++;
                LastEventHadContent = true;
                break;
            case ResponsesEvent.Failed:
                TerminalFailed = true;
                SawDone = true;
                break;
            case ResponsesEvent.Terminal:
                SawDone = true;
                break;
        }

        return SseNext.Forward;
    }

    /// <summary>Generated-output deltas: text, refusal, reasoning (text and summary), function and custom tool input.</summary>
    private static bool IsDelta(ReadOnlySpan<byte> type) =>
        type.EndsWith(".delta"u8)
        && (type.SequenceEqual("response.output_text.delta"u8)
            || type.SequenceEqual("response.refusal.delta"u8)
            || type.SequenceEqual("response.reasoning_text.delta"u8)
            || type.SequenceEqual("response.reasoning_summary_text.delta"u8)
            || type.SequenceEqual("response.function_call_arguments.delta"u8)
            || type.SequenceEqual("response.custom_tool_call_input.delta"u8));

    private bool ReadAnthropicUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        AnthropicJson.ReadUsage(ref reader, ref _anthropicUsage);
        return true;
    }

    /// <summary>Counts choices and those whose delta carries generated output.</summary>
    private static int ReadChoices(ref Utf8JsonReader reader, ref int deltas)
    {
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (!reader.ValueTextEquals("delta"u8))
                {
                    JsonValues.SkipValue(ref reader);
                    continue;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                var hasOutput = false;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    if (reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("reasoning_content"u8)
                        || reader.ValueTextEquals("reasoning"u8) || reader.ValueTextEquals("refusal"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                        {
                            hasOutput = true;
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                    else if (reader.ValueTextEquals("tool_calls"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.StartArray)
                        {
                            reader.Read();
                            if (reader.TokenType != JsonTokenType.EndArray)
                            {
                                hasOutput = true;
                                reader.Skip();
                                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                                {
                                    reader.Skip();
                                }
                            }
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                    else
                    {
                        JsonValues.SkipValue(ref reader);
                    }
                }

                if (hasOutput)
                {
                    deltas++;
                }
            }
        }

        return count;
    }

    private void AppendScratch(ReadOnlySpan<byte> value, ref int length)
    {
        if (_scratch is null || _scratch.Length - length < value.Length)
        {
            var next = ArrayPool<byte>.Shared.Rent(Math.Max((length + value.Length) * 2, 1024));
            if (_scratch is not null)
            {
                _scratch.AsSpan(0, length).CopyTo(next);
                ArrayPool<byte>.Shared.Return(_scratch);
            }

            _scratch = next;
        }

        value.CopyTo(_scratch.AsSpan(length));
        length += value.Length;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        if (_scratch is not null)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = null;
        }
    }
}
