namespace Gateway.Redis.Tests;

public sealed class RedisOptionsTests
{
    [Fact]
    public void Parse_AllOptions_SetsEveryProperty()
    {
        var options = RedisOptions.Parse("redis.internal:6380, password=s3cr=t ,user=alice,db=3,connectTimeout=1500,commandTimeout=250,name=quota");

        Assert.Equal("redis.internal", options.Host);
        Assert.Equal(6380, options.Port);
        Assert.Equal("s3cr=t", options.Password);
        Assert.Equal("alice", options.User);
        Assert.Equal(3, options.Database);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.CommandTimeout);
        Assert.Equal("quota", options.ClientName);
    }

    [Fact]
    public void Parse_HostOnly_UsesDefaults()
    {
        var options = RedisOptions.Parse("localhost");

        Assert.Equal("localhost", options.Host);
        Assert.Equal(6379, options.Port);
        Assert.Null(options.Password);
        Assert.Equal(0, options.Database);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.CommandTimeout);
    }

    [Fact]
    public void Parse_BracketedIpv6_ParsesHostAndPort()
    {
        var options = RedisOptions.Parse("[::1]:7000");

        Assert.Equal("::1", options.Host);
        Assert.Equal(7000, options.Port);
        Assert.Equal("[::1]:7000", options.Endpoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData(":6379")]
    [InlineData("host:notaport,password=hunter2")]
    [InlineData("host:70000")]
    [InlineData("host:6379,db=-1,password=hunter2")]
    [InlineData("host:6379,password=hunter2,ssl=true")]
    [InlineData("host:6379,password=hunter2,novalue")]
    [InlineData("::1:6379")]
    public void Parse_Malformed_ThrowsFormatExceptionWithoutThePassword(string connectionString)
    {
        var ex = Assert.Throws<FormatException>(() => RedisOptions.Parse(connectionString));

        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_HidesPassword()
    {
        var options = RedisOptions.Parse("127.0.0.1:6379,password=hunter2,db=2");

        Assert.Equal("127.0.0.1:6379,password=***,db=2", options.ToString());
    }
}
