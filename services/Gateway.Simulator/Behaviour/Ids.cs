namespace Gateway.Simulator.Behaviour;

/// <summary>Random identifiers shaped like the providers' (unique per response; the content is what is deterministic).</summary>
internal static class Ids
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string New(string prefix, int randomLength) =>
        string.Create(prefix.Length + randomLength, prefix, static (span, prefix) =>
        {
            prefix.AsSpan().CopyTo(span);
            var random = span[prefix.Length..];
            for (var i = 0; i < random.Length; i++)
            {
                random[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
            }
        });
}
