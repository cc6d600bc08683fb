namespace Gateway.Metering.Ledger;

/// <summary>A UsageRecorded that cannot be counted; retrying cannot help, so it goes straight to the error queue.</summary>
internal sealed class InvalidUsageRecordException(string message) : Exception(message);
