using System.ComponentModel.DataAnnotations;

namespace Gateway.Quota;

/// <summary>The <c>Quota</c> configuration section.</summary>
internal sealed class QuotaOptions
{
    public const string SectionName = "Quota";

    /// <summary>Requests per minute for keys without their own limit (<c>Quota__DefaultRpm</c>).</summary>
    [Range(1, 1_000_000)]
    public int DefaultRpm { get; set; } = 60;
}
