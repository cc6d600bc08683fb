using System.Buffers;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using Anthropic;
using Anthropic.Models.Messages;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;

namespace Gateway.Translation.Tests.Streaming;

/// <summary>The official .NET SDKs (OpenAI 2.15, Anthropic 13.12) parse what the encoders write, streamed and whole.
/// An in-memory <see cref="HttpMessageHandler"/> answers the SDK's request with the translator's bytes.</summary>
public sealed class SdkParseTests
{
    private sealed class TranslatingHandler(TranslationContext ctx, string upstream) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var t = new StreamTranslator(ctx);
            var output = new ArrayBufferWriter<byte>();
            var status = TranslateStatus.NeedMore;
            foreach (var chunk in Runner.Chunks(Encoding.UTF8.GetBytes(upstream), Chunking.Random, 3))
            {
                status = t.Feed(chunk, output);
                if (status != TranslateStatus.NeedMore)
                {
                    break;
                }
            }

            Assert.Equal(TranslateStatus.Completed, status);
            if (!ctx.ClientStream)
            {
                t.WriteBody(output);
            }

            var content = new ByteArrayContent(output.WrittenSpan.ToArray());
            content.Headers.ContentType = new(ctx.ClientStream ? "text/event-stream" : "application/json");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }
    }

    private static ChatClient Chat(TranslationContext ctx, string upstream) => new(
        ctx.ClientModel,
        new ApiKeyCredential("k"),
        new OpenAIClientOptions
        {
            Endpoint = new Uri("http://127.0.0.1:9/v1"),
            Transport = new HttpClientPipelineTransport(new HttpClient(new TranslatingHandler(ctx, upstream))),
        });

    private static AnthropicClient Anthropic(TranslationContext ctx, string upstream) => new()
    {
        ApiKey = "k",
        BaseUrl = "http://127.0.0.1:9",
        MaxRetries = 0,
        HttpClient = new HttpClient(new TranslatingHandler(ctx, upstream)),
    };

    [Theory]
    [InlineData(Wire.AnthropicMessages, "anthropic-thinking-tools.sse")]
    [InlineData(Wire.OpenAiResponses, "responses-tools.sse")]
    public async Task OpenAiSdk_CompleteChatStreaming_ToolCallsArgumentsAndUsageParse(Wire upstream, string sample)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = Runner.Sample(sample);
        var expected = Transcript.FromUpstream(upstream, text);
        var client = Chat(Runner.Ctx(Wire.OpenAiChat, upstream), text);
        var ids = new Dictionary<int, string>();
        var names = new Dictionary<int, string>();
        var args = new Dictionary<int, StringBuilder>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("x")], new ChatCompletionOptions(), cts.Token))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                if (call.ToolCallId is not null)
                {
                    ids[call.Index] = call.ToolCallId;
                    names[call.Index] = call.FunctionName;
                    args[call.Index] = new StringBuilder();
                }

                args[call.Index].Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(expected.Tools.Select(t => t.Id), ids.OrderBy(p => p.Key).Select(p => p.Value));
        Assert.Equal(expected.Tools.Select(t => t.Name), names.OrderBy(p => p.Key).Select(p => p.Value));
        Assert.Equal(expected.Tools.Select(t => t.Arguments.ToString()), args.OrderBy(p => p.Key).Select(p => p.Value.ToString()));
        Assert.NotNull(usage);
        Assert.Equal(expected.Usage.Output, usage.OutputTokenCount);
        Assert.Equal(expected.Usage.Input, usage.InputTokenCount);
    }

    [Fact]
    public async Task OpenAiSdk_CompleteChat_WholeBodyParses()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = Runner.Sample("anthropic-thinking-tools.sse");
        var expected = Transcript.FromUpstream(Wire.AnthropicMessages, text);
        var client = Chat(Runner.Ctx(Wire.OpenAiChat, Wire.AnthropicMessages, stream: false), text);
        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("x")], new ChatCompletionOptions(), cts.Token);
        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal(expected.Tools.Select(t => t.Arguments.ToString()), completion.ToolCalls.Select(c => c.FunctionArguments.ToString()));
        Assert.Equal("client-model", completion.Model);
        Assert.Equal(expected.Usage.Output, completion.Usage.OutputTokenCount);
    }

    [Theory]
    [InlineData(Wire.OpenAiChat, "chat-tools.sse")]
    [InlineData(Wire.OpenAiResponses, "responses-tools.sse")]
    [InlineData(Wire.AnthropicMessages, "anthropic-thinking-tools.sse")]
    public async Task AnthropicSdk_CreateStreaming_EveryEventValidates(Wire upstream, string sample)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = Runner.Sample(sample);
        var expected = Transcript.FromUpstream(upstream, text);
        var client = Anthropic(Runner.Ctx(Wire.AnthropicMessages, upstream), text);
        var args = new StringBuilder();
        var thinking = new StringBuilder();
        long? output = null;
        var stops = 0;
        await foreach (var e in client.Messages.CreateStreaming(
            new MessageCreateParams { Model = "client-model", MaxTokens = 1024, Messages = [new UserMessageParam("x")] },
            cts.Token))
        {
            e.Validate();
            if (e.TryPickContentBlockDelta(out var delta))
            {
                if (delta.Delta.TryPickInputJson(out var json))
                {
                    args.Append(json.PartialJson);
                }
                else if (delta.Delta.TryPickThinking(out var th))
                {
                    thinking.Append(th.Thinking);
                }
            }

            if (e.TryPickContentBlockStop(out _))
            {
                stops++;
            }

            if (e.TryPickDelta(out var md))
            {
                output = md.Usage.OutputTokens;
                Assert.Equal(StopReason.ToolUse, md.Delta.StopReason!.Value());
            }
        }

        Assert.Equal(string.Concat(expected.Tools.Select(t => t.Arguments.ToString())), args.ToString());
        Assert.Equal(expected.Thinking.ToString(), thinking.ToString());
        Assert.Equal(expected.Usage.Output, output);
        Assert.Equal(expected.Tools.Count + (expected.Thinking.Length > 0 ? 1 : 0), stops);
    }

    [Fact]
    public async Task AnthropicSdk_Create_WholeMessageValidates()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = Runner.Sample("responses-tools.sse");
        var client = Anthropic(Runner.Ctx(Wire.AnthropicMessages, Wire.OpenAiResponses, stream: false), text);
        var message = await client.Messages.Create(
            new MessageCreateParams { Model = "client-model", MaxTokens = 1024, Messages = [new UserMessageParam("x")] },
            cts.Token);
        message.Validate();
        Assert.Equal(StopReason.ToolUse, message.StopReason!.Value());
        Assert.Equal(2, message.Content.Count(b => b.TryPickToolUse(out _)));
    }

#pragma warning disable OPENAI001 // ResponsesClient is marked for evaluation in SDK 2.15.
    [Theory]
    [InlineData(Wire.OpenAiChat, "chat-tools.sse")]
    [InlineData(Wire.AnthropicMessages, "anthropic-thinking-tools.sse")]
    [InlineData(Wire.AnthropicMessages, "anthropic-text.sse")]
    public async Task OpenAiSdk_CreateResponseStreaming_EveryEventParsesItemsAndUsage(Wire upstream, string sample)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = Runner.Sample(sample);
        var expected = Transcript.FromUpstream(upstream, text);
        var client = new ResponsesClient(new ApiKeyCredential("k"), new ResponsesClientOptions
        {
            Endpoint = new Uri("http://127.0.0.1:9/v1"),
            Transport = new HttpClientPipelineTransport(new HttpClient(new TranslatingHandler(Runner.Ctx(Wire.OpenAiResponses, upstream), text))),
        });
        var calls = new List<FunctionCallResponseItem>();
        var deltas = new StringBuilder();
        string? encrypted = null;
        ResponseResult? completed = null;
        var sequence = 0;
        await foreach (var update in await client.CreateResponseStreamingAsync("client-model", "x", null, cts.Token))
        {
            Assert.Equal(sequence++, update.SequenceNumber);
            switch (update)
            {
                case StreamingResponseOutputTextDeltaUpdate d:
                    deltas.Append(d.Delta);
                    break;
                case StreamingResponseOutputItemDoneUpdate { Item: FunctionCallResponseItem call }:
                    calls.Add(call);
                    break;
                case StreamingResponseOutputItemDoneUpdate { Item: ReasoningResponseItem reasoning }:
                    encrypted = reasoning.EncryptedContent;
                    break;
                case StreamingResponseCompletedUpdate c:
                    completed = c.Response;
                    break;
            }
        }

        Assert.NotNull(completed);
        Assert.Equal(expected.Text.ToString(), deltas.ToString());
        Assert.Equal(expected.Tools.Select(t => t.Id), calls.Select(c => c.CallId));
        Assert.Equal(expected.Tools.Select(t => t.Name), calls.Select(c => c.FunctionName));
        Assert.Equal(expected.Tools.Select(t => t.Arguments.ToString()), calls.Select(c => c.FunctionArguments.ToString()));
        Assert.Equal(expected.Signature.Length > 0 ? expected.Signature.ToString() : null, encrypted);
        Assert.Equal(expected.Usage.Output, completed.Usage.OutputTokenCount);
        Assert.Equal(expected.Usage.Input, completed.Usage.InputTokenCount);
        Assert.Equal("resp_req42", completed.Id);
    }
#pragma warning restore OPENAI001
}
