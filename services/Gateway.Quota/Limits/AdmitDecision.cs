namespace Gateway.Quota.Limits;

/// <summary>The answer to one admission: whether it was let in, and the window's state after it.</summary>
internal readonly record struct AdmitDecision(bool Allowed, int Limit, int Remaining, long RetryAfterMs, long ResetUnixMs);

/// <summary>The answer to a lease: how many slots were granted (0 is a refusal), and the window's state after it.</summary>
internal readonly record struct LeaseDecision(int Granted, int Limit, int Remaining, long RetryAfterMs, long ResetUnixMs, string LeaseId);
