using Gateway.Ingress.Chat;
using Microsoft.AspNetCore.Http;

namespace Gateway.Ingress.Tests.Chat;

public sealed class ApiKeyReaderTests
{
    private static ApiKeyReader.Result Read(out string key, params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary.Append(name, value);
        }

        return ApiKeyReader.TryRead(dictionary, out key);
    }

    [Theory]
    [InlineData("Authorization", "Bearer sk-abc", "sk-abc")]
    [InlineData("Authorization", "bearer   sk-abc  ", "sk-abc")]
    [InlineData("x-api-key", "sk-xyz", "sk-xyz")]
    public void TryRead_KeyInAcceptedHeader_ReturnsIt(string header, string value, string expected)
    {
        Assert.Equal(ApiKeyReader.Result.Found, Read(out var key, (header, value)));
        Assert.Equal(expected, key);
    }

    [Fact]
    public void TryRead_BasicAuthorizationAndApiKey_UsesApiKey()
    {
        Assert.Equal(ApiKeyReader.Result.Found, Read(out var key, ("Authorization", "Basic Zm9vOmJhcg=="), ("x-api-key", "sk-1")));
        Assert.Equal("sk-1", key);
    }

    [Fact]
    public void TryRead_NoHeaders_IsMissing() => Assert.Equal(ApiKeyReader.Result.Missing, Read(out _));

    [Fact]
    public void TryRead_EmptyBearer_IsMissing() => Assert.Equal(ApiKeyReader.Result.Missing, Read(out _, ("x-api-key", "  ")));

    [Theory]
    [InlineData("Authorization", "Basic Zm9vOmJhcg==")]
    [InlineData("Authorization", "Bearer sk-with space")]
    [InlineData("Authorization", "Bearer sk-é")]
    [InlineData("x-api-key", "sk-\u0001")]
    public void TryRead_UnusableKey_IsMalformed(string header, string value) =>
        Assert.Equal(ApiKeyReader.Result.Malformed, Read(out _, (header, value)));

    [Fact]
    public void TryRead_OverlongKey_IsMalformed() =>
        Assert.Equal(ApiKeyReader.Result.Malformed, Read(out _, ("x-api-key", "sk-" + new string('a', ApiKeyReader.MaxKeyLength))));

    [Fact]
    public void TryRead_TwoKeys_IsMalformed() =>
        Assert.Equal(ApiKeyReader.Result.Malformed, Read(out _, ("x-api-key", "sk-1"), ("x-api-key", "sk-2")));
}

public sealed class RequestIdsTests
{
    [Fact]
    public void New_Always_IsReqPrefixAnd24LowercaseHex()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => RequestIds.New()).ToList();
        Assert.All(ids, id => Assert.Matches("^req_[0-9a-f]{24}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("abc-123", true)]
    [InlineData("", false)]
    [InlineData("has\ttab", false)]
    [InlineData("ünïcode", false)]
    public void IsEchoable_Value_OnlyShortPrintableAscii(string value, bool expected) =>
        Assert.Equal(expected, RequestIds.IsEchoable(value));

    [Fact]
    public void IsEchoable_TooLong_IsFalse() => Assert.False(RequestIds.IsEchoable(new string('a', RequestIds.MaxClientIdLength + 1)));
}

public sealed class RateLimitHeadersTests
{
    [Theory]
    [InlineData(0, "0ms")]
    [InlineData(250, "250ms")]
    [InlineData(1000, "1s")]
    [InlineData(12_500, "12.5s")]
    [InlineData(60_000, "1m0s")]
    [InlineData(361_250, "6m1.25s")]
    public void FormatDuration_Milliseconds_UsesOpenAiFormat(long ms, string expected) =>
        Assert.Equal(expected, RateLimitHeaders.FormatDuration(ms));
}
