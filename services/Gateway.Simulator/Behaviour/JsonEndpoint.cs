using System.Text.Json;
using Gateway.Simulator.OpenAi;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Behaviour;

/// <summary>
/// The shared front of the non-streaming OpenAI utility endpoints (embeddings, images): key check, JSON body,
/// model check, and a status fault from the <c>x-sim-fault</c> header or a <c>[sim fault=status:N]</c> directive in
/// the text (other faults and timing apply to the completion wires only).
/// </summary>
internal static class JsonEndpoint
{
    /// <summary>Runs <paramref name="handle"/> on the parsed body, or answers the error in the OpenAI envelope.</summary>
    public static async Task RunAsync(
        HttpContext context,
        OpenAiWire wire,
        IOptionsMonitor<SimulatorOptions> options,
        Func<JsonElement, HttpResponse, CancellationToken, Task<ApiError?>> handle)
    {
        var cancellationToken = context.RequestAborted;
        var settings = options.CurrentValue;
        wire.AddResponseHeaders(context.Response);
        var error = ApiKeys.Check(wire, context.Request, settings);
        if (error is null)
        {
            try
            {
                using var document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken);
                error = Validate(document.RootElement, context.Request.Headers, settings)
                    ?? await handle(document.RootElement, context.Response, cancellationToken);
            }
            catch (JsonException)
            {
                error = new ApiError(StatusCodes.Status400BadRequest, "We could not parse the JSON body of your request.");
            }
            catch (BadHttpRequestException exception)
            {
                error = new ApiError(exception.StatusCode, "The request body could not be read.");
            }
        }

        if (error is not null)
        {
            await wire.WriteErrorAsync(context.Response, error, cancellationToken);
        }
    }

    private static ApiError? Validate(JsonElement body, IHeaderDictionary headers, SimulatorOptions settings)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return new ApiError(StatusCodes.Status400BadRequest, "The request body must be a JSON object.");
        }

        if (!MessageContent.TryGetString(body, "model"u8, out var model) || model.Length == 0)
        {
            return new ApiError(StatusCodes.Status400BadRequest, "you must provide a model parameter", Param: "model");
        }

        if (!settings.AcceptAnyModel && Array.IndexOf(settings.Models, model) < 0)
        {
            return new ApiError(StatusCodes.Status404NotFound, $"The model `{model}` does not exist or you do not have access to it.", "model_not_found", "model");
        }

        var directive = default(PlanOverrides);
        foreach (var name in (ReadOnlySpan<string>)["input", "prompt"])
        {
            if (body.TryGetProperty(name, out var text) && !MessageContent.TryApplyDirectives(text, ref directive, out var directiveError))
            {
                return new ApiError(StatusCodes.Status400BadRequest, directiveError!, Param: name);
            }
        }

        if (!PlanResolver.TryResolve(settings, headers, directive, out var plan, out var planError))
        {
            return new ApiError(StatusCodes.Status400BadRequest, planError!);
        }

        return plan.Fault.Kind == FaultKind.Status
            ? new ApiError(plan.Fault.Value, $"Simulated upstream error (HTTP {plan.Fault.Value}).")
            : null;
    }
}
