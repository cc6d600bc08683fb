namespace Gateway.Auth.Keys;

/// <summary>Input rules for creating keys. Every method returns null when the value is fine, else the reason.</summary>
internal static class KeyRequestValidator
{
    public const int MaxTenantIdLength = 64;
    public const int MaxNameLength = 100;
    public const int MaxAllowedModels = 256;
    public const int MaxModelLength = 128;
    public const int MaxRpmLimit = 1_000_000;

    /// <summary>1-64 characters of <c>A-Z a-z 0-9 . _ -</c>, starting with a letter or digit.</summary>
    public static string? ValidateTenantId(string tenantId)
    {
        if (tenantId.Length is 0 or > MaxTenantIdLength)
        {
            return $"tenant_id must be 1-{MaxTenantIdLength} characters.";
        }

        if (!char.IsAsciiLetterOrDigit(tenantId[0]))
        {
            return "tenant_id must start with a letter or digit.";
        }

        foreach (var c in tenantId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return "tenant_id may contain only letters, digits, '.', '_' and '-'.";
            }
        }

        return null;
    }

    /// <summary>1-100 printable ASCII characters, not all spaces.</summary>
    public static string? ValidateName(string name)
    {
        if (name.Length is 0 or > MaxNameLength)
        {
            return $"name must be 1-{MaxNameLength} characters.";
        }

        foreach (var c in name)
        {
            if (c is < ' ' or > '~')
            {
                return "name may contain only printable ASCII characters.";
            }
        }

        return string.IsNullOrWhiteSpace(name) ? "name must not be blank." : null;
    }

    /// <summary>At most 256 model ids of 1-128 printable, non-space ASCII characters.</summary>
    public static string? ValidateAllowedModels(IReadOnlyList<string> models)
    {
        if (models.Count > MaxAllowedModels)
        {
            return $"allowed_models may list at most {MaxAllowedModels} models.";
        }

        foreach (var model in models)
        {
            if (model.Length is 0 or > MaxModelLength)
            {
                return $"each allowed model must be 1-{MaxModelLength} characters.";
            }

            foreach (var c in model)
            {
                if (c is <= ' ' or > '~')
                {
                    return "allowed model ids may contain only printable ASCII characters without spaces.";
                }
            }
        }

        return null;
    }

    public static string? ValidateRpmLimit(int rpmLimit) =>
        rpmLimit is < 0 or > MaxRpmLimit ? $"rpm_limit must be 0 (the service default) to {MaxRpmLimit}." : null;
}
