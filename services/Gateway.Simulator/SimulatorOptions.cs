using System.ComponentModel.DataAnnotations;
using Gateway.Simulator.Behaviour;
using Microsoft.Extensions.Options;

namespace Gateway.Simulator;

/// <summary>Defaults of the simulator, bound from the <c>Simulator</c> configuration section.</summary>
internal sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>Delay before the first content token, in milliseconds.</summary>
    [Range(0, Limits.MaxDelayMs)]
    public int TimeToFirstTokenMs { get; set; }

    /// <summary>Delay between two content tokens, in milliseconds.</summary>
    [Range(0, Limits.MaxDelayMs)]
    public int InterTokenDelayMs { get; set; }

    /// <summary>Number of content tokens (deltas) in an answer, before any max_tokens cap.</summary>
    [Range(0, Limits.MaxTokens)]
    public int OutputTokens { get; set; } = 16;

    /// <summary>When set, the only API key accepted (exact match); otherwise any non-empty key is accepted.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>Model names listed by <c>GET /v1/models</c>.</summary>
    public string[] Models { get; set; } = [];

    /// <summary>When true (default) any model name is accepted and echoed; when false only <see cref="Models"/>.</summary>
    public bool AcceptAnyModel { get; set; } = true;

    /// <summary>When true (default) the Anthropic surface requires an <c>anthropic-version</c> header, as Anthropic does.</summary>
    public bool RequireAnthropicVersion { get; set; } = true;

    /// <summary>Value of the <c>retry-after</c> header sent with a simulated 429, in seconds.</summary>
    [Range(0, 86400)]
    public int RetryAfterSeconds { get; set; } = 1;
}

[OptionsValidator]
internal sealed partial class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>;
