using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Translation.Streaming;

/// <summary>The kinds of output block every wire shares.</summary>
internal enum BlockKind : byte
{
    Text,
    Thinking,
    RedactedThinking,
    ToolCall,
}

/// <summary>Why generation stopped, in wire-neutral terms.</summary>
internal enum FinishReason : byte
{
    None,
    Stop,
    Length,
    ToolUse,
    StopSequence,
    ContentFilter,
}

/// <summary>One output block (text, thinking or a tool call) as it streams.</summary>
internal sealed class Block(BlockKind kind, int index, int toolIndex) : IDisposable
{
    public BlockKind Kind { get; } = kind;

    /// <summary>Position among all blocks (Anthropic content index, Responses output index).</summary>
    public int Index { get; } = index;

    /// <summary>Position among tool-call blocks (Chat <c>tool_calls[].index</c>); -1 for other kinds.</summary>
    public int ToolIndex { get; } = toolIndex;

    public string? Id { get; init; }

    /// <summary>The tool name as the client knows it.</summary>
    public string? Name { get; init; }

    public ToolBinding? Binding { get; init; }

    public bool IsCustomTool => Binding is { Kind: ClientToolKind.Custom };

    /// <summary>The block's whole text, thinking or argument JSON (kept only when the client's wire needs it).</summary>
    public PooledBuffer Text { get; } = new();

    public PooledBuffer Signature { get; } = new();

    public bool Closed { get; set; }

    /// <summary>The block's position in the client's output (Responses <c>output_index</c>); -1 when not relayed.</summary>
    public int ClientIndex { get; set; } = -1;

    /// <summary>The item id the client sees (Responses), made once per block.</summary>
    public string? ClientId { get; set; }

    public void Dispose()
    {
        Text.Dispose();
        Signature.Dispose();
    }
}

/// <summary>What is known about the response so far, shared by the decoder and the client encoder.</summary>
internal sealed class ResponseState : IDisposable
{
    public TokenUsage Usage;

    public bool UsageSeen { get; set; }

    public string? ResponseModel { get; set; }

    public FinishReason Finish { get; set; }

    public string? StopSequence { get; set; }

    public List<Block> Blocks { get; } = [];

    public int ToolCalls { get; set; }

    public void Dispose()
    {
        foreach (var b in Blocks)
        {
            b.Dispose();
        }

        Blocks.Clear();
    }
}

/// <summary>Writes SSE events with one reused <see cref="Utf8JsonWriter"/>.</summary>
internal sealed class SseWriter : IDisposable
{
    internal static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    private readonly Utf8JsonWriter _json = new(Stream.Null, Options);
    private IBufferWriter<byte>? _output;

    /// <summary>Bytes have been written for the client.</summary>
    public bool HasOutput { get; private set; }

    public void SetOutput(IBufferWriter<byte> output) => _output = output;

    public Utf8JsonWriter Begin(ReadOnlySpan<byte> eventName)
    {
        var output = _output!;
        if (!eventName.IsEmpty)
        {
            Raw(output, "event: "u8);
            Raw(output, eventName);
            Raw(output, "\n"u8);
        }

        Raw(output, "data: "u8);
        _json.Reset(output);
        return _json;
    }

    public void End()
    {
        _json.Flush();
        Raw(_output!, "\n\n"u8);
        HasOutput = true;
    }

    public void RawEvent(ReadOnlySpan<byte> bytes)
    {
        Raw(_output!, bytes);
        HasOutput = true;
    }

    private static void Raw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    public void Dispose() => _json.Dispose();
}
