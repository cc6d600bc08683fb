using Gateway.Auth.Keys;

namespace Gateway.Services.Tests.Auth;

public sealed class ApiKeyFormatTests
{
    [Fact]
    public void NewKey_Always_IsGwPrefixAnd40Base62Chars()
    {
        var keys = Enumerable.Range(0, 200).Select(_ => ApiKeyFormat.NewKey()).ToList();

        Assert.All(keys, key => Assert.Matches("^gw-[0-9A-Za-z]{40}$", key));
        Assert.All(keys, key => Assert.True(ApiKeyFormat.IsWellFormed(key)));
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void NewKeyId_Always_IsWellFormedAndDistinct()
    {
        var ids = Enumerable.Range(0, 200).Select(_ => ApiKeyFormat.NewKeyId()).ToList();

        Assert.All(ids, id => Assert.Matches("^key_[0-9A-Za-z]{20}$", id));
        Assert.All(ids, id => Assert.True(ApiKeyFormat.IsWellFormedKeyId(id)));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("gw-")]
    [InlineData("gw-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabc")] // 39
    [InlineData("gw-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcde")] // 41
    [InlineData("GW-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd")]
    [InlineData("sk-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd")]
    [InlineData("gw-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabc-")]
    [InlineData("gw-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcé")]
    [InlineData(" gw-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabc")]
    public void IsWellFormed_WrongShape_False(string key) => Assert.False(ApiKeyFormat.IsWellFormed(key));

    [Fact]
    public void DisplayPrefix_Key_ShowsPrefixAndFourCharacters() =>
        Assert.Equal("gw-0123", ApiKeyFormat.DisplayPrefix("gw-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd"));
}
