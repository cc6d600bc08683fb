using System.Buffers.Binary;
using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Simulator.Tests.Infrastructure;
using OpenAI;
using OpenAI.Embeddings;

namespace Gateway.Simulator.Tests.Media;

public sealed class EmbeddingsTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Fact]
    public async Task Embeddings_StringInput_DefaultDimensionUnitVectorAndUsage()
    {
        using var json = await PostAsync(new JsonObject { ["model"] = "text-embedding-3-small", ["input"] = "hello world" });

        Assert.Equal("list", json.RootElement.GetProperty("object").GetString());
        var item = Assert.Single(json.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("embedding", item.GetProperty("object").GetString());
        Assert.Equal(0, item.GetProperty("index").GetInt32());
        var vector = item.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(256, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 4);
        Assert.Equal(3, json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_Base64_DecodesToTheFloatVector()
    {
        var body = new JsonObject { ["model"] = "m", ["input"] = new JsonArray("alpha", "beta"), ["dimensions"] = 64 };
        using var floats = await PostAsync(body);
        body["encoding_format"] = "base64";

        using var encoded = await PostAsync(body);

        for (var i = 0; i < 2; i++)
        {
            var expected = floats.RootElement.GetProperty("data")[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            var bytes = Convert.FromBase64String(encoded.RootElement.GetProperty("data")[i].GetProperty("embedding").GetString()!);
            var decoded = Enumerable.Range(0, bytes.Length / 4).Select(d => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(d * 4))).ToArray();
            Assert.Equal(64, decoded.Length);
            Assert.Equal(expected, decoded);
        }
    }

    [Fact]
    public async Task Embeddings_SameText_SameVector_DifferentText_DifferentVector()
    {
        using var json = await PostAsync(new JsonObject { ["model"] = "m", ["input"] = new JsonArray("same", "same", "other"), ["dimensions"] = 8 });

        var vectors = json.RootElement.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("embedding").GetRawText()).ToList();
        Assert.Equal(vectors[0], vectors[1]);
        Assert.NotEqual(vectors[0], vectors[2]);
    }

    [Fact]
    public async Task Embeddings_TokenArrays_CountTokens()
    {
        using var json = await PostAsync(new JsonObject { ["model"] = "m", ["input"] = new JsonArray(new JsonArray(1, 2, 3), new JsonArray(4)) });

        Assert.Equal(2, json.RootElement.GetProperty("data").GetArrayLength());
        Assert.Equal(4, json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Theory]
    [InlineData("{\"model\":\"m\",\"input\":\"\"}", "input")]
    [InlineData("{\"model\":\"m\",\"input\":[]}", "input")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"dimensions\":0}", "dimensions")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"encoding_format\":\"hex\"}", "encoding_format")]
    [InlineData("{\"input\":\"x\"}", "model")]
    public async Task Embeddings_BadInput_400NamingTheField(string body, string param)
    {
        using var response = await host.Client.SendAsync(Request(JsonNode.Parse(body)!));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, CancellationToken.None);
        Assert.Equal(param, json.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Embeddings_StatusFaultDirective_ThatStatus()
    {
        using var response = await host.Client.SendAsync(Request(new JsonObject { ["model"] = "m", ["input"] = "x [sim fault=status:503]" }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Embeddings_NoKey_401()
    {
        using var request = Request(new JsonObject { ["model"] = "m", ["input"] = "x" });
        request.Headers.Authorization = null;

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Sdk_GenerateEmbeddings_DecodesBase64Default()
    {
        using var deadline = Wire.Deadline();
        var client = new EmbeddingClient(
            "text-embedding-3-small",
            new ApiKeyCredential(Wire.OpenAiKey),
            new OpenAIClientOptions { Endpoint = new Uri(host.BaseAddress, "/v1"), NetworkTimeout = Wire.Timeout });

        var result = await client.GenerateEmbeddingsAsync(["hello", "world"], new EmbeddingGenerationOptions { Dimensions = 32 }, deadline.Token);

        Assert.Equal(2, result.Value.Count);
        var vector = result.Value[0].ToFloats().ToArray();
        Assert.Equal(32, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 4);
    }

    private static HttpRequestMessage Request(JsonNode body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Wire.OpenAiKey);
        return request;
    }

    private async Task<JsonDocument> PostAsync(JsonNode body)
    {
        using var deadline = Wire.Deadline();
        using var response = await host.Client.SendAsync(Request(body), deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Wire.ReadJsonAsync(response, deadline.Token);
    }
}
