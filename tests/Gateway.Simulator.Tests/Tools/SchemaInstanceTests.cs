using System.Text.Json;
using Gateway.Simulator.Tests.Infrastructure;
using Gateway.Simulator.Tools;

namespace Gateway.Simulator.Tests.Tools;

public sealed class SchemaInstanceTests
{
    public static TheoryData<string> ValidSchemas() => new()
    {
        Schemas.Rich,
        Schemas.Weather,
        """{"type":"object"}""",
        """{}""",
        """{"type":"object","properties":{"n":{"type":"integer","maximum":-20}},"required":["n"]}""",
        """{"type":"object","properties":{"n":{"type":"number","minimum":5,"maximum":5}},"required":["n"]}""",
        """{"type":"object","properties":{"x":{"type":"integer","minimum":0,"maximum":100,"multipleOf":7}},"required":["x"]}""",
        """{"type":"object","properties":{"s":{"type":"string","maxLength":2}},"required":["s"]}""",
        """{"type":"object","properties":{"list":{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]},"minItems":3,"maxItems":3}},"required":["list"]}""",
        """{"type":"object","required":["undeclared"]}""",
        """{"type":"object","properties":{"c":{"const":"fixed"},"o":{"oneOf":[{"type":"string"},{"type":"integer"}]},"a":{"allOf":[{"type":"boolean"}]}}}""",
    };

    [Theory]
    [MemberData(nameof(ValidSchemas))]
    public void Generate_Schema_InstanceIsValid(string schema)
    {
        using var document = JsonDocument.Parse(schema);

        for (var seed = 0UL; seed < 20; seed++)
        {
            var instance = SchemaInstance.Generate(document.RootElement, seed);

            SchemaValidator.AssertValid(schema, instance);
        }
    }

    [Fact]
    public void Generate_NumberWithRoomForAWholeNumber_IsWhole()
    {
        using var document = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"number"},"m":{"type":"number","minimum":0.5,"maximum":3.5}}}""");

        for (var seed = 0UL; seed < 20; seed++)
        {
            using var instance = JsonDocument.Parse(SchemaInstance.Generate(document.RootElement, seed));

            Assert.True(instance.RootElement.GetProperty("n").TryGetInt64(out _));
            Assert.True(instance.RootElement.GetProperty("m").TryGetInt64(out var m) && m is >= 1 and <= 3);
        }
    }

    [Fact]
    public void Generate_SameSeed_SameInstance()
    {
        using var document = JsonDocument.Parse(Schemas.Rich);

        Assert.Equal(SchemaInstance.Generate(document.RootElement, 42), SchemaInstance.Generate(document.RootElement, 42));
    }

    [Fact]
    public void Generate_RichSchema_WritesEveryProperty()
    {
        using var document = JsonDocument.Parse(Schemas.Rich);
        using var instance = JsonDocument.Parse(SchemaInstance.Generate(document.RootElement, 7));

        var expected = document.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order();
        Assert.Equal(expected, instance.RootElement.EnumerateObject().Select(p => p.Name).Order());
    }

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("{\"city\":\"Paris\",\"unit\":\"c\"}")]
    [InlineData("{\"emoji\":\"\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600\"}")]
    public void Split_Text_FragmentsRejoinAndAreAtLeastThreeWhenLongEnough(string text)
    {
        var fragments = Fragmenter.Split(text);

        Assert.Equal(text, string.Concat(fragments));
        Assert.True(text.Length < 3 || fragments.Length >= 3);
        Assert.All(fragments, f => Assert.False(char.IsHighSurrogate(f[^1])));
    }
}
