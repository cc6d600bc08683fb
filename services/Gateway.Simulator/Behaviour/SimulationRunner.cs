using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Gateway.Simulator.Tools;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Behaviour;

/// <summary>
/// Runs one simulated completion on any wire: key check, parsing, plan (config, headers, directives), fault injection,
/// pacing (time to first token, inter-token delay) and streaming with a flush per event.
/// </summary>
internal sealed partial class SimulationRunner(
    IOptionsMonitor<SimulatorOptions> options,
    IHostApplicationLifetime lifetime,
    SimulatorMetrics metrics,
    ILogger<SimulationRunner> logger)
{
    public const string JsonContentType = "application/json";
    public const string EventStreamContentType = "text/event-stream; charset=utf-8";

    public async Task RunAsync(HttpContext context, IWireFormat wire)
    {
        var settings = options.CurrentValue;
        var response = context.Response;
        wire.AddResponseHeaders(response);

        // Stalls and delays end when the client leaves or the simulator shuts down.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = linked.Token;
        metrics.RequestStarted(wire.Name);
        try
        {
            var rejection = ApiKeys.Check(wire, context.Request, settings) ?? wire.ValidateHeaders(context.Request);
            if (rejection is not null)
            {
                await RejectAsync(response, wire, rejection, cancellationToken);
                return;
            }

            var (parsed, parseError) = await ParseAsync(context.Request, wire, cancellationToken);
            if (parsed is null)
            {
                await RejectAsync(response, wire, parseError!, cancellationToken);
                return;
            }

            if (!settings.AcceptAnyModel && Array.IndexOf(settings.Models, parsed.Model) < 0)
            {
                await RejectAsync(response, wire, wire.ModelNotFound(parsed.Model), cancellationToken);
                return;
            }

            if (!PlanResolver.TryResolve(settings, context.Request.Headers, parsed.Directive, out var plan, out var planError))
            {
                await RejectAsync(response, wire, new ApiError(StatusCodes.Status400BadRequest, planError!), cancellationToken);
                return;
            }

            response.Headers[PlanResolver.PlanHeader] = plan.ToString();
            if (plan.Fault.Kind != FaultKind.None)
            {
                metrics.FaultInjected(wire.Name, plan.Fault.Kind);
                LogFaultInjected(wire.Name, plan.Fault.ToString(), parsed.Stream);
            }

            await ExecuteAsync(context, wire, parsed, plan, settings, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                // Shutting down: end the response abruptly rather than leave the client waiting.
                context.Abort();
            }

            LogRequestEnded(wire.Name);
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away while its body was read or an answer written.
            LogRequestEnded(wire.Name);
        }
        finally
        {
            metrics.RequestEnded(wire.Name);
        }
    }

    private static async Task<ParseResult> ParseAsync(HttpRequest request, IWireFormat wire, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
            return wire.Parse(document.RootElement);
        }
        catch (JsonException)
        {
            return ParseResult.Invalid("We could not parse the JSON body of your request.");
        }
        catch (BadHttpRequestException exception)
        {
            return new ParseResult(null, new ApiError(exception.StatusCode, "The request body could not be read."));
        }
    }

    private async Task RejectAsync(HttpResponse response, IWireFormat wire, ApiError error, CancellationToken cancellationToken)
    {
        LogRejected(wire.Name, error.Status);
        await wire.WriteErrorAsync(response, error, cancellationToken);
    }

    private async Task ExecuteAsync(
        HttpContext context, IWireFormat wire, SimRequest request, SimulationPlan plan, SimulatorOptions settings, CancellationToken cancellationToken)
    {
        var response = context.Response;
        switch (plan.Fault.Kind)
        {
            case FaultKind.Status:
                if (plan.Fault.Value == StatusCodes.Status429TooManyRequests)
                {
                    response.Headers.RetryAfter = settings.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                }

                await wire.WriteErrorAsync(response, SimulatedError(plan.Fault.Value), cancellationToken);
                return;
            case FaultKind.Garbage:
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = request.Stream ? EventStreamContentType : JsonContentType;
                await response.BodyWriter.WriteAsync(wire.Garbage(request.Stream), cancellationToken);
                return;
        }

        if (request.Stream)
        {
            await StreamAsync(context, wire, request, plan, cancellationToken);
        }
        else
        {
            await CompleteAsync(context, wire, request, plan, cancellationToken);
        }
    }

    private async Task CompleteAsync(
        HttpContext context, IWireFormat wire, SimRequest request, SimulationPlan plan, CancellationToken cancellationToken)
    {
        var response = context.Response;
        if (plan.Fault.Kind is FaultKind.Stall or FaultKind.Drop)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = JsonContentType;
            await response.StartAsync(cancellationToken);
            await response.BodyWriter.FlushAsync(cancellationToken);
            if (plan.Fault.Kind == FaultKind.Drop)
            {
                context.Abort();
                return;
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return;
        }

        var blocks = AnswerBlocks.For(request);
        var emitted = 0;
        string? thinking = null;
        string? signature = null;
        var text = string.Empty;
        var reason = request.Answer.ToolCalls.Length > 0 ? FinishReason.ToolUse : FinishReason.Stop;
        string? stopSequence = null;
        foreach (var block in blocks)
        {
            switch (block.Kind)
            {
                case BlockKind.Thinking:
                    thinking = string.Concat(block.Pieces!);
                    signature = block.Signature;
                    emitted += block.Pieces!.Length;
                    break;
                case BlockKind.ToolCall:
                    emitted += block.Pieces!.Length;
                    break;
                case BlockKind.Text when block.Pieces is not null:
                    text = string.Concat(block.Pieces);
                    emitted += block.Pieces.Length;
                    break;
                case BlockKind.Text:
                    var cursor = new AnswerCursor(request.Seed, plan.OutputTokens, request.MaxTokens, request.StopSequences);
                    var builder = new StringBuilder();
                    while (cursor.TryNext(out var piece))
                    {
                        builder.Append(piece);
                    }

                    text = builder.ToString();
                    emitted += cursor.Emitted;
                    reason = cursor.Outcome.Reason;
                    stopSequence = cursor.Outcome.StopSequence;
                    break;
            }
        }

        // A non-streaming answer takes as long as the stream of the same answer would.
        var totalDelayMs = plan.TimeToFirstTokenMs + ((long)plan.InterTokenDelayMs * Math.Max(0, emitted - 1));
        await DelayAsync(totalDelayMs, cancellationToken);
        var answer = new CompletedAnswer(thinking, signature, text, request.Answer.ToolCalls);
        await wire.WriteCompletionAsync(response, request, answer, new Outcome(reason, stopSequence, emitted), cancellationToken);
        metrics.OutputTokens(wire.Name, emitted);
    }

    private async Task StreamAsync(
        HttpContext context, IWireFormat wire, SimRequest request, SimulationPlan plan, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = EventStreamContentType;
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var fault = plan.Fault;
        var blocks = AnswerBlocks.For(request);
        using var encoder = wire.CreateStreamEncoder(response.BodyWriter, request);
        if (!Delivered(await encoder.WritePreambleAsync(cancellationToken))
            || !Delivered(await encoder.BeginBlockAsync(blocks[0], cancellationToken)))
        {
            return;
        }

        if (fault.Kind == FaultKind.Stall)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return;
        }

        var dropAfter = fault.Kind == FaultKind.Drop ? fault.Value : -1;
        if (dropAfter == 0)
        {
            context.Abort();
            return;
        }

        await DelayAsync(plan.TimeToFirstTokenMs, cancellationToken);
        var emitted = 0;
        var reason = request.Answer.ToolCalls.Length > 0 ? FinishReason.ToolUse : FinishReason.Stop;
        string? stopSequence = null;
        foreach (var block in blocks)
        {
            if (block.Index > 0 && !Delivered(await encoder.BeginBlockAsync(block, cancellationToken)))
            {
                return;
            }

            if (block.Pieces is { } pieces)
            {
                foreach (var piece in pieces)
                {
                    if (await EmitAsync(context, encoder, wire, piece, ++emitted, plan, dropAfter, cancellationToken) == EmitResult.Gone)
                    {
                        return;
                    }
                }
            }
            else
            {
                var cursor = new AnswerCursor(request.Seed, plan.OutputTokens, request.MaxTokens, request.StopSequences);
                while (cursor.TryNext(out var piece))
                {
                    if (await EmitAsync(context, encoder, wire, piece, ++emitted, plan, dropAfter, cancellationToken) == EmitResult.Gone)
                    {
                        return;
                    }
                }

                reason = cursor.Outcome.Reason;
                stopSequence = cursor.Outcome.StopSequence;
            }

            // A drop fault dies before the last block closes (nothing that looks like an end is sent).
            var lastBlock = block.Index == blocks.Length - 1;
            if (!(dropAfter > 0 && lastBlock) && !Delivered(await encoder.EndBlockAsync(cancellationToken)))
            {
                return;
            }
        }

        if (dropAfter > 0)
        {
            // Fewer deltas than the drop point: still die before the terminal events.
            context.Abort();
            return;
        }

        await encoder.WriteEndAsync(new Outcome(reason, stopSequence, emitted), cancellationToken);
    }

    private enum EmitResult
    {
        Sent,
        Gone,
    }

    /// <summary>Sends the <paramref name="number"/>th delta after its inter-token delay; aborts at the drop point.</summary>
    private async ValueTask<EmitResult> EmitAsync(
        HttpContext context, IStreamEncoder encoder, IWireFormat wire, string piece, int number, SimulationPlan plan, int dropAfter,
        CancellationToken cancellationToken)
    {
        if (number > 1)
        {
            await DelayAsync(plan.InterTokenDelayMs, cancellationToken);
        }

        if (!Delivered(await encoder.WriteDeltaAsync(piece, cancellationToken)))
        {
            return EmitResult.Gone;
        }

        metrics.OutputTokens(wire.Name, 1);
        if (number == dropAfter)
        {
            context.Abort();
            return EmitResult.Gone;
        }

        return EmitResult.Sent;
    }

    private static bool Delivered(FlushResult result) => !result.IsCanceled && !result.IsCompleted;

    private static Task DelayAsync(long milliseconds, CancellationToken cancellationToken) =>
        milliseconds <= 0
            ? Task.CompletedTask
            : Task.Delay(TimeSpan.FromMilliseconds(Math.Min(milliseconds, int.MaxValue)), cancellationToken);

    private static ApiError SimulatedError(int status) => status switch
    {
        StatusCodes.Status429TooManyRequests => new ApiError(status, "Rate limit reached (simulated).", "rate_limit_exceeded"),
        StatusCodes.Status401Unauthorized => new ApiError(status, "Invalid API key (simulated).", "invalid_api_key"),
        _ => new ApiError(status, string.Create(CultureInfo.InvariantCulture, $"Simulated upstream error (HTTP {status}).")),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Injecting fault {Fault} on {Wire} (stream: {Stream})")]
    private partial void LogFaultInjected(string wire, string fault, bool stream);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rejected a {Wire} request with HTTP {Status}")]
    private partial void LogRejected(string wire, int status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A {Wire} request ended early: client gone or shutting down")]
    private partial void LogRequestEnded(string wire);
}
