using System.Text.Json;

namespace Gateway.Translation.Streaming;

/// <summary>
/// The canonical event sink: decoders call <see cref="Start"/>, <see cref="BlockStart"/>, <see cref="Delta"/>,
/// <see cref="Signature"/>, <see cref="BlockStop"/> and <see cref="End"/>; the base keeps the bookkeeping (blocks,
/// counters, whole text where the client's wire needs it) and a derived class writes the client's wire.
/// </summary>
internal abstract class ClientEncoder(TranslationContext context, ResponseState state, SseWriter sse, bool keepText)
{
    private Block? _open;
    private bool _started;

    protected TranslationContext Context { get; } = context;

    protected ResponseState State { get; } = state;

    protected SseWriter Sse { get; } = sse;

    protected bool Streaming => Context.ClientStream;

    public int ContentDeltas { get; private set; }

    public bool ContentStarted { get; private set; }

    public bool Ended { get; private set; }

    public Block? Open => _open;

    public void Start()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        if (Streaming)
        {
            OnStart();
        }
    }

    /// <summary>Opens a block (closing the open one). <paramref name="upstreamName"/> is mapped through the
    /// context's tools to the client's name.</summary>
    public Block BlockStart(BlockKind kind, string? id = null, string? upstreamName = null)
    {
        Start();
        CloseOpen();
        ToolBinding? binding = null;
        string? name = upstreamName;
        var toolIndex = -1;
        if (kind == BlockKind.ToolCall)
        {
            toolIndex = State.ToolCalls++;
            if (upstreamName is not null && Context.Tools.TryGetValue(upstreamName, out binding))
            {
                name = binding.ClientName;
            }

            id ??= $"call_{Context.RequestId}_{State.Blocks.Count}";
        }

        var block = new Block(kind, State.Blocks.Count, toolIndex) { Id = id, Name = name ?? "", Binding = binding };
        State.Blocks.Add(block);
        _open = block;
        ContentStarted = true;
        if (Streaming)
        {
            OnBlockStart(block);
        }

        return block;
    }

    /// <summary>A text or thinking delta: opens a block of that kind when the open block is another one.</summary>
    public void Delta(BlockKind kind, ReadOnlySpan<byte> utf8)
    {
        if (_open is null || _open.Kind != kind)
        {
            if (utf8.IsEmpty)
            {
                return;
            }

            BlockStart(kind);
        }

        Delta(utf8);
    }

    /// <summary>A delta for the open block (tool-call arguments, text, thinking, redacted data).</summary>
    public void Delta(ReadOnlySpan<byte> utf8)
    {
        var block = _open;
        if (block is null || utf8.IsEmpty)
        {
            return;
        }

        ContentDeltas++;
        if (keepText || block.IsCustomTool || block.Kind == BlockKind.RedactedThinking)
        {
            block.Text.Append(utf8);
        }

        if (Streaming)
        {
            OnDelta(block, utf8);
        }
    }

    public void Signature(ReadOnlySpan<byte> signature)
    {
        var block = _open;
        if (block is null || block.Kind != BlockKind.Thinking || signature.IsEmpty)
        {
            return;
        }

        block.Signature.Append(signature);
        if (Streaming)
        {
            OnSignature(block, signature);
        }
    }

    public void BlockStop() => CloseOpen();

    /// <summary>The upstream's terminal event: closes the open block and writes the client's ending.</summary>
    public void End()
    {
        Start();
        CloseOpen();
        Ended = true;
        if (Streaming)
        {
            OnEnd();
        }
    }

    private void CloseOpen()
    {
        if (_open is { } block)
        {
            _open = null;
            block.Closed = true;
            if (Streaming)
            {
                OnBlockStop(block);
            }
        }
    }

    protected abstract void OnStart();

    protected abstract void OnBlockStart(Block block);

    protected abstract void OnDelta(Block block, ReadOnlySpan<byte> utf8);

    protected virtual void OnSignature(Block block, ReadOnlySpan<byte> signature)
    {
    }

    protected abstract void OnBlockStop(Block block);

    protected abstract void OnEnd();

    /// <summary>A streaming client's error event(s) for an upstream error that arrived after output began.</summary>
    public abstract void WriteError(in TranslationError error);

    /// <summary>The whole response body for a non-streaming client.</summary>
    public abstract void WriteBody(Utf8JsonWriter json);

    /// <summary>The text of every block of <paramref name="kind"/>, concatenated, as one JSON string value.</summary>
    protected void WriteJoined(Utf8JsonWriter json, BlockKind kind)
    {
        var count = 0;
        Block? single = null;
        foreach (var b in State.Blocks)
        {
            if (b.Kind == kind)
            {
                count++;
                single = b;
            }
        }

        if (count <= 1)
        {
            json.WriteStringValue(single is null ? default : single.Text.Span);
            return;
        }

        using var joined = new PooledBuffer();
        foreach (var b in State.Blocks)
        {
            if (b.Kind == kind)
            {
                joined.Append(b.Text.Span);
            }
        }

        json.WriteStringValue(joined.Span);
    }

    protected bool HasKind(BlockKind kind)
    {
        foreach (var b in State.Blocks)
        {
            if (b.Kind == kind)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes argument JSON text as a JSON value, or <c>{}</c> when it is empty or not valid JSON.</summary>
    protected static void WriteArgumentsValue(Utf8JsonWriter json, ReadOnlySpan<byte> args)
    {
        if (!args.IsEmpty && IsValidJson(args))
        {
            json.WriteRawValue(args, skipInputValidation: true);
        }
        else
        {
            json.WriteStartObject();
            json.WriteEndObject();
        }
    }

    protected static bool IsValidJson(ReadOnlySpan<byte> text)
    {
        try
        {
            var reader = new Utf8JsonReader(text);
            while (reader.Read())
            {
            }

            return reader.BytesConsumed == text.Length || text[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8).IsEmpty;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A custom tool's input: the string member <c>input</c> of its argument object, else the raw text.</summary>
    protected static void WriteCustomInput(Utf8JsonWriter json, ReadOnlySpan<byte> args)
    {
        if (TryGetStringMember(args, "input"u8, out var start, out var length, out var escaped))
        {
            var raw = args.Slice(start, length);
            if (escaped)
            {
                json.WriteStringValue(UnescapeString(args[(start - 1)..(start + length + 1)]));
            }
            else
            {
                json.WriteStringValue(raw);
            }

            return;
        }

        json.WriteStringValue(args);
    }

    private static string UnescapeString(ReadOnlySpan<byte> quoted)
    {
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return reader.GetString() ?? "";
    }

    private static bool TryGetStringMember(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name, out int start, out int length,
        out bool escaped)
    {
        start = length = 0;
        escaped = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals(name);
                reader.Read();
                if (match && reader.TokenType == JsonTokenType.String)
                {
                    start = (int)reader.TokenStartIndex + 1;
                    length = reader.ValueSpan.Length;
                    escaped = reader.ValueIsEscaped;
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }
}
