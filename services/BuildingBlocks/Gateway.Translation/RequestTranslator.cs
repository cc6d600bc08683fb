using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Translation.Requests;

namespace Gateway.Translation;

/// <summary>Reads client requests into the canonical model and writes them out in an upstream's wire.</summary>
public static partial class RequestTranslator
{
    /// <summary><c>max_tokens</c> written toward Anthropic (where it is required) when the client gave none.</summary>
    public const int DefaultAnthropicMaxTokens = 8192;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Bodies go to an upstream's JSON parser, not into HTML: keep non-ASCII text as UTF-8 instead of \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    /// <summary>
    /// Parses and validates a client request body of wire <paramref name="client"/>. Returns false with a 400
    /// <see cref="TranslationError"/> naming the field for invalid JSON, wrong field types, unknown roles or content
    /// types, empty <c>messages</c>/<c>input</c>, missing required fields and contradictory options. Unknown extra
    /// fields are accepted (and dropped on translation).
    /// </summary>
    public static bool TryParse(Wire client, ReadOnlySpan<byte> body, [NotNullWhen(true)] out CanonicalRequest? request,
        out TranslationError error)
    {
        request = null;
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                document.Dispose();
                error = InvalidJson("unexpected content after the JSON body.");
                return false;
            }
        }
        catch (JsonException e)
        {
            error = InvalidJson(e.Message);
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = new TranslationError(400, "invalid_request_error", "invalid_type", "The request body must be a JSON object.");
                return false;
            }

            try
            {
                request = client switch
                {
                    Wire.OpenAiChat => ChatRequestReader.Read(document.RootElement),
                    Wire.AnthropicMessages => AnthropicRequestReader.Read(document.RootElement),
                    Wire.OpenAiResponses => ResponsesRequestReader.Read(document.RootElement),
                    _ => throw new ArgumentOutOfRangeException(nameof(client), client, "Unknown wire."),
                };
            }
            catch (InvalidRequestException e)
            {
                error = e.ToError();
                return false;
            }
        }

        error = default;
        return true;
    }

    private static TranslationError InvalidJson(string detail) =>
        new(400, "invalid_request_error", "invalid_json", $"The request body is not valid JSON: {detail}");

    /// <summary>
    /// Writes <paramref name="request"/> as a body of wire <paramref name="upstream"/> for <paramref name="upstreamModel"/>.
    /// The upstream is always asked to stream (<c>stream: true</c>; on openai-chat also
    /// <c>stream_options.include_usage: true</c>), whatever the client asked: the response side turns the stream into
    /// a whole body for a non-streaming client. Returns what the response side needs to map the answer back.
    /// </summary>
    public static TranslationContext Write(CanonicalRequest request, Wire upstream, string upstreamModel, string requestId,
        IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            switch (upstream)
            {
                case Wire.OpenAiChat:
                    ChatRequestWriter.Write(request, upstreamModel, writer);
                    break;
                case Wire.AnthropicMessages:
                    AnthropicRequestWriter.Write(request, upstreamModel, writer);
                    break;
                case Wire.OpenAiResponses:
                    ResponsesRequestWriter.Write(request, upstreamModel, writer);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(upstream), upstream, "Unknown wire.");
            }
        }

        var tools = new Dictionary<string, ToolBinding>(request.Tools.Count, StringComparer.Ordinal);
        foreach (var tool in request.Tools)
        {
            tools[tool.UpstreamName] = new ToolBinding(tool.UpstreamName, tool.Name, tool.Kind, tool.Namespace);
        }

        return new TranslationContext
        {
            Client = request.SourceWire,
            Upstream = upstream,
            ClientModel = request.Model,
            ClientStream = request.Stream,
            IncludeUsage = request.IncludeUsage,
            RequestId = requestId,
            Tools = tools,
        };
    }

    /// <summary>Anthropic thinking budget for an OpenAI reasoning effort (null: no thinking).</summary>
    internal static int? EffortToBudget(string? effort) => effort switch
    {
        "minimal" => 1024,
        "low" => 2048,
        "medium" => 8192,
        "high" => 16384,
        "xhigh" => 32768,
        _ => null,
    };

    /// <summary>The reasoning effort to send an OpenAI upstream: the client's effort, else one derived from an
    /// Anthropic thinking budget; none for disabled or adaptive thinking without an effort.</summary>
    internal static string? EffectiveEffort(CanonicalRequest request) => request switch
    {
        { ReasoningEffort: { } effort } => effort,
        { Thinking: ThinkingMode.Enabled, ThinkingBudget: { } budget } => budget switch
        {
            <= 4096 => "low",
            <= 16384 => "medium",
            _ => "high",
        },
        _ => null,
    };
}
