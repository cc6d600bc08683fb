using Gateway.Simulator.Tools;

namespace Gateway.Simulator.Behaviour;

/// <summary>What the simulator keeps of a parsed request, whichever wire it came in on.</summary>
internal sealed record SimRequest(
    string Model,
    bool Stream,
    bool IncludeUsage,
    int? MaxTokens,
    string[] StopSequences,
    int InputTokens,
    ulong Seed,
    PlanOverrides Directive)
{
    /// <summary>Tool calls, structured output, thinking and reasoning; plain text by default.</summary>
    public AnswerSpec Answer { get; init; } = AnswerSpec.Plain;
}

/// <summary>An error to answer in the wire's own envelope. <see cref="Code"/> is used where the wire has codes.</summary>
internal sealed record ApiError(int Status, string Message, string? Code = null, string? Param = null);

/// <summary>Outcome of parsing a request body.</summary>
internal readonly record struct ParseResult(SimRequest? Request, ApiError? Error)
{
    public static ParseResult Ok(SimRequest request) => new(request, null);

    public static ParseResult Invalid(string message, string? param = null) =>
        new(null, new ApiError(StatusCodes.Status400BadRequest, message, null, param));
}
