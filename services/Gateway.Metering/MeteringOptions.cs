using System.ComponentModel.DataAnnotations;

namespace Gateway.Metering;

/// <summary>The <c>Metering</c> configuration section.</summary>
internal sealed class MeteringOptions
{
    public const string SectionName = "Metering";

    /// <summary>How many usage messages (a UsageRecordedBatch or a single UsageRecorded) are processed at once (also the prefetch).</summary>
    [Range(1, 1024)]
    public int ConcurrentMessageLimit { get; set; } = 16;

    /// <summary>
    /// How long a request id is remembered for deduplication. A message redelivered later than this would be
    /// counted again; redeliveries happen within seconds to minutes, so a week is a wide margin.
    /// </summary>
    [Range(1, 365)]
    public int DeduplicationDays { get; set; } = 7;
}
