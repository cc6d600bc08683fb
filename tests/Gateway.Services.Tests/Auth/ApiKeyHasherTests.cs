using Gateway.Auth.Keys;

namespace Gateway.Services.Tests.Auth;

public sealed class ApiKeyHasherTests
{
    private const string Pepper = "pepper-pepper-pepper-pepper-pepper-0001";
    private const string Key = "gw-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd";

    [Fact]
    public void Hash_KnownKeyAndPepper_IsHmacSha256Hex()
    {
        // Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(PEPPER, KEY, hashlib.sha256).hexdigest())"
        Assert.Equal("66d8b4c13e2d9fee5c7139e11f322afdac36b8c3c35e048902741a0690989737", new ApiKeyHasher(Pepper).Hash(Key));
    }

    [Fact]
    public void Hash_DifferentPepper_DifferentHash() =>
        Assert.NotEqual(new ApiKeyHasher(Pepper).Hash(Key), new ApiKeyHasher(Pepper + "x").Hash(Key));

    [Fact]
    public void HashesEqual_SameHash_True()
    {
        var hash = new ApiKeyHasher(Pepper).Hash(Key);

        Assert.True(ApiKeyHasher.HashesEqual(hash, new string(hash.AsSpan())));
    }

    [Theory]
    [InlineData("66d8b4c13e2d9fee5c7139e11f322afdac36b8c3c35e048902741a0690989738")]
    [InlineData("76d8b4c13e2d9fee5c7139e11f322afdac36b8c3c35e048902741a0690989737")]
    [InlineData("66d8b4c13e2d9fee5c7139e11f322afdac36b8c3c35e048902741a069098973")]
    [InlineData("")]
    public void HashesEqual_DifferentOrTruncated_False(string stored) =>
        Assert.False(ApiKeyHasher.HashesEqual("66d8b4c13e2d9fee5c7139e11f322afdac36b8c3c35e048902741a0690989737", stored));
}
