using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Gateway.Simulator.Behaviour;

namespace Gateway.Simulator.Responses;

/// <summary>
/// Responses stream events as OpenAI sends them, each <c>event: type</c> + <c>data: {"type", "sequence_number", …}</c>:
/// response.created, response.in_progress; per message item output_item.added, content_part.added,
/// output_text.delta × n, output_text.done, content_part.done, output_item.done; per function call output_item.added
/// (arguments ""), function_call_arguments.delta × n, function_call_arguments.done, output_item.done; then
/// response.completed (response.incomplete after a max_output_tokens cut) with the whole response and its usage.
/// </summary>
internal sealed class ResponsesStreamEncoder(PipeWriter output, SimRequest request, long createdAt) : IStreamEncoder
{
    private readonly SseWriter _sse = new(output);
    private readonly string _id = Ids.New("resp_", 48);
    private readonly List<ResponsesItem> _items = [];
    private readonly StringBuilder _text = new();
    private ResponsesItem? _open;
    private int _sequence;

    public ValueTask<FlushResult> WritePreambleAsync(CancellationToken cancellationToken)
    {
        var json = Begin("response.created"u8);
        json.WritePropertyName("response"u8);
        ResponsesWire.WriteResponse(json, _id, createdAt, request, [], outcome: null);
        End(json);
        json = Begin("response.in_progress"u8);
        json.WritePropertyName("response"u8);
        ResponsesWire.WriteResponse(json, _id, createdAt, request, [], outcome: null);
        End(json);

        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> BeginBlockAsync(AnswerBlock block, CancellationToken cancellationToken)
    {
        _text.Clear();
        _open = block.Call is { } call ? new ResponsesItem(call.Id, null, call) : new ResponsesItem(ResponsesWire.NewMessageId(), null, null);
        var json = Begin("response.output_item.added"u8);
        json.WriteNumber("output_index"u8, _items.Count);
        json.WritePropertyName("item"u8);
        ResponsesWire.WriteItem(json, _open, completed: false);
        End(json);
        if (_open.Call is null)
        {
            json = Begin("response.content_part.added"u8);
            WriteContentPosition(json);
            json.WritePropertyName("part"u8);
            ResponsesWire.WriteTextPart(json, string.Empty);
            End(json);
        }

        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> WriteDeltaAsync(string piece, CancellationToken cancellationToken)
    {
        _text.Append(piece);
        Utf8JsonWriter json;
        if (_open!.Call is null)
        {
            json = Begin("response.output_text.delta"u8);
            WriteContentPosition(json);
            json.WriteString("delta"u8, piece);
            json.WriteStartArray("logprobs"u8);
            json.WriteEndArray();
        }
        else
        {
            json = Begin("response.function_call_arguments.delta"u8);
            json.WriteString("item_id"u8, _open.Id);
            json.WriteNumber("output_index"u8, _items.Count);
            json.WriteString("delta"u8, piece);
        }

        End(json);
        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> EndBlockAsync(CancellationToken cancellationToken)
    {
        var item = _open!.Call is null ? _open with { Text = _text.ToString() } : _open;
        Utf8JsonWriter json;
        if (item.Call is { } call)
        {
            json = Begin("response.function_call_arguments.done"u8);
            json.WriteString("item_id"u8, item.Id);
            json.WriteNumber("output_index"u8, _items.Count);
            json.WriteString("name"u8, call.Name);
            json.WriteString("arguments"u8, call.Arguments);
            End(json);
        }
        else
        {
            json = Begin("response.output_text.done"u8);
            WriteContentPosition(json);
            json.WriteString("text"u8, item.Text);
            json.WriteStartArray("logprobs"u8);
            json.WriteEndArray();
            End(json);

            json = Begin("response.content_part.done"u8);
            WriteContentPosition(json);
            json.WritePropertyName("part"u8);
            ResponsesWire.WriteTextPart(json, item.Text!);
            End(json);
        }

        json = Begin("response.output_item.done"u8);
        json.WriteNumber("output_index"u8, _items.Count);
        json.WritePropertyName("item"u8);
        ResponsesWire.WriteItem(json, item, completed: true);
        End(json);
        _items.Add(item);
        _open = null;
        return _sse.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> WriteEndAsync(Outcome outcome, CancellationToken cancellationToken)
    {
        var json = Begin(outcome.Reason == FinishReason.Length ? "response.incomplete"u8 : "response.completed"u8);
        json.WritePropertyName("response"u8);
        ResponsesWire.WriteResponse(json, _id, createdAt, request, _items, outcome);
        End(json);
        return _sse.FlushAsync(cancellationToken);
    }

    public void Dispose() => _sse.Dispose();

    private Utf8JsonWriter Begin(ReadOnlySpan<byte> type)
    {
        var json = _sse.BeginEvent(type);
        json.WriteStartObject();
        json.WriteString("type"u8, type);
        json.WriteNumber("sequence_number"u8, _sequence++);
        return json;
    }

    private void End(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        _sse.EndEvent();
    }

    private void WriteContentPosition(Utf8JsonWriter json)
    {
        json.WriteString("item_id"u8, _open!.Id);
        json.WriteNumber("output_index"u8, _items.Count);
        json.WriteNumber("content_index"u8, 0);
    }
}
