using System.Text;
using Gateway.Ingress.Streaming;

namespace Gateway.Ingress.Tests.Streaming;

public sealed class ResponsesSseScannerTests
{
    private const string Created =
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"model\":\"up-model\",\"status\":\"in_progress\",\"usage\":null}}\n\n";

    private const string Delta =
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"delta\":\"Hi\"}\n\n";

    private const string ArgsDelta =
        "event: response.function_call_arguments.delta\ndata: {\"type\":\"response.function_call_arguments.delta\",\"sequence_number\":2,\"delta\":\"{}\"}\n\n";

    private static string Terminal(string type) =>
        "event: " + type + "\ndata: {\"type\":\"" + type + "\",\"sequence_number\":3,\"response\":{\"id\":\"resp_1\",\"model\":\"up-model\","
        + "\"usage\":{\"input_tokens\":30,\"input_tokens_details\":{\"cached_tokens\":12},\"output_tokens\":9,"
        + "\"output_tokens_details\":{\"reasoning_tokens\":4},\"total_tokens\":39}}}\n\n";

    private static (string Forwarded, SseScanner Scanner) Run(string transcript)
    {
        var scanner = new SseScanner(clientWantsUsage: false, bufferSize: 64, dialect: SseDialect.OpenAiResponses);
        var bytes = Encoding.UTF8.GetBytes(transcript);
        var forwarded = new MemoryStream();
        var offset = 0;
        while (true)
        {
            var final = offset == bytes.Length;
            if (!final)
            {
                var memory = scanner.GetReadMemory();
                var count = Math.Min(Math.Min(memory.Length, 7), bytes.Length - offset);
                bytes.AsSpan(offset, count).CopyTo(memory.Span);
                scanner.Advance(count);
                offset += count;
            }

            SseNext next;
            while ((next = scanner.Next(final, out var evt)) != SseNext.NeedMore)
            {
                Assert.Equal(SseNext.Forward, next);
                forwarded.Write(evt);
            }

            if (final)
            {
                return (Encoding.UTF8.GetString(forwarded.ToArray()), scanner);
            }
        }
    }

    [Theory]
    [InlineData("response.completed", false)]
    [InlineData("response.incomplete", false)]
    [InlineData("response.failed", true)]
    public void Next_TerminalEvent_DoneWithUsageModelAndDeltas(string terminal, bool failed)
    {
        var transcript = Created + Delta + ArgsDelta + Terminal(terminal);

        var (forwarded, scanner) = Run(transcript);

        Assert.Equal(transcript, forwarded);
        Assert.True(scanner.SawDone);
        Assert.Equal(failed, scanner.TerminalFailed);
        Assert.True(scanner.UsageSeen);
        Assert.Equal(30, scanner.Usage.Input);
        Assert.Equal(12, scanner.Usage.CachedInput);
        Assert.Equal(9, scanner.Usage.Output);
        Assert.Equal(4, scanner.Usage.Reasoning);
        Assert.Equal(2, scanner.ContentDeltas);
        Assert.Equal("up-model", scanner.ResponseModel);
    }

    [Fact]
    public void Next_ErrorEvent_RecordedNotDone()
    {
        var error = "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"boom\",\"param\":null}\n\n";

        var (_, scanner) = Run(Created + Delta + error);

        Assert.True(scanner.SawErrorEvent);
        Assert.False(scanner.SawDone);
        Assert.False(scanner.UsageSeen);
        Assert.NotNull(scanner.ErrorPayload);
    }

    [Fact]
    public void Next_EndsWithoutTerminalEvent_NotDone()
    {
        var (_, scanner) = Run(Created + Delta);

        Assert.False(scanner.SawDone);
        Assert.Equal(1, scanner.ContentDeltas);
    }
}
