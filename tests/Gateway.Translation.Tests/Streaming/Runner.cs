using System.Buffers;
using System.Text;

namespace Gateway.Translation.Tests.Streaming;

public enum Chunking
{
    Whole,
    OneByte,
    Random,
}

internal sealed record RunResult(
    TranslateStatus Status,
    string Output,
    string? Body,
    TokenUsage Usage,
    bool UsageSeen,
    int ContentDeltas,
    bool ContentStarted,
    bool HasOutput,
    TranslationError? Error,
    string? ResponseModel);

internal static class Runner
{
    public static TranslationContext Ctx(Wire client, Wire upstream, bool stream = true, bool includeUsage = true,
        IReadOnlyDictionary<string, ToolBinding>? tools = null) => new()
        {
            Client = client,
            Upstream = upstream,
            ClientModel = "client-model",
            ClientStream = stream,
            IncludeUsage = includeUsage,
            RequestId = "req42",
            CreatedUnixSeconds = 1_800_000_000,
            Tools = tools ?? new Dictionary<string, ToolBinding>(StringComparer.Ordinal),
        };

    public static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name));

    public static IEnumerable<byte[]> Chunks(byte[] bytes, Chunking chunking, int seed)
    {
        switch (chunking)
        {
            case Chunking.Whole:
                yield return bytes;
                break;
            case Chunking.OneByte:
                foreach (var b in bytes)
                {
                    yield return [b];
                }

                break;
            default:
                var random = new Random(seed);
                for (var i = 0; i < bytes.Length;)
                {
                    var n = Math.Min(random.Next(1, 48), bytes.Length - i);
                    yield return bytes[i..(i + n)];
                    i += n;
                }

                break;
        }
    }

    public static RunResult Run(TranslationContext ctx, string upstream, Chunking chunking = Chunking.Whole, int seed = 1) =>
        Run(ctx, Encoding.UTF8.GetBytes(upstream), chunking, seed);

    public static RunResult Run(TranslationContext ctx, byte[] upstream, Chunking chunking = Chunking.Whole, int seed = 1)
    {
        using var t = new StreamTranslator(ctx);
        var output = new ArrayBufferWriter<byte>();
        var status = TranslateStatus.NeedMore;
        foreach (var chunk in Chunks(upstream, chunking, seed))
        {
            status = t.Feed(chunk, output);
            if (status != TranslateStatus.NeedMore)
            {
                break;
            }
        }

        if (status == TranslateStatus.NeedMore)
        {
            status = t.Complete(output);
        }

        string? body = null;
        if (!ctx.ClientStream && status == TranslateStatus.Completed)
        {
            var b = new ArrayBufferWriter<byte>();
            t.WriteBody(b);
            body = Encoding.UTF8.GetString(b.WrittenSpan);
        }

        return new RunResult(status, Encoding.UTF8.GetString(output.WrittenSpan), body, t.Usage, t.UsageSeen, t.ContentDeltas,
            t.ContentStarted, t.HasOutput, t.Error, t.ResponseModel);
    }
}
