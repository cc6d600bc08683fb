using System.ComponentModel.DataAnnotations;

namespace Gateway.Auth;

/// <summary>The <c>Auth</c> configuration section.</summary>
internal sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// (secret) The HMAC-SHA256 key every API-key hash is made with (<c>Auth__KeyPepper</c>). Without it a leaked
    /// Redis dump cannot be used to test guesses offline. Changing it invalidates every key.
    /// </summary>
    [Required(ErrorMessage = "Auth:KeyPepper (Auth__KeyPepper) is required.")]
    [MinLength(32, ErrorMessage = "Auth:KeyPepper (Auth__KeyPepper) must be at least 32 characters.")]
    public string KeyPepper { get; set; } = "";
}
