using System.Buffers.Binary;
using System.ClientModel;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Simulator.Tests.Infrastructure;
using OpenAI;
using OpenAI.Images;

namespace Gateway.Simulator.Tests.Media;

public sealed class ImagesTests(SimulatorHost host) : IClassFixture<SimulatorHost>
{
    [Fact]
    public async Task Generate_Prompt_ValidPngs()
    {
        using var json = await PostAsync(new JsonObject { ["model"] = "gpt-image-1", ["prompt"] = "a red fox", ["n"] = 2 });

        Assert.True(json.RootElement.GetProperty("created").GetInt64() > 0);
        var images = json.RootElement.GetProperty("data").EnumerateArray().Select(d => Convert.FromBase64String(d.GetProperty("b64_json").GetString()!)).ToList();
        Assert.Equal(2, images.Count);
        foreach (var png in images)
        {
            var pixels = DecodePng(png, out var width, out var height);
            Assert.Equal((8, 8), (width, height));
            Assert.Equal(8 * ((8 * 3) + 1), pixels.Length);
        }

        Assert.NotEqual(images[0], images[1]);
        Assert.True(json.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Generate_SamePrompt_SameImage()
    {
        async Task<string> ImageAsync()
        {
            using var json = await PostAsync(new JsonObject { ["model"] = "gpt-image-1", ["prompt"] = "a blue whale" });
            return json.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!;
        }

        Assert.Equal(await ImageAsync(), await ImageAsync());
    }

    [Theory]
    [InlineData("{\"model\":\"m\",\"prompt\":\"x\",\"response_format\":\"url\"}", "response_format")]
    [InlineData("{\"model\":\"m\"}", "prompt")]
    [InlineData("{\"model\":\"m\",\"prompt\":\"x\",\"n\":11}", "n")]
    public async Task Generate_BadInput_400NamingTheField(string body, string param)
    {
        using var response = await host.Client.SendAsync(Request(JsonNode.Parse(body)!));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await Wire.ReadJsonAsync(response, CancellationToken.None);
        Assert.Equal(param, json.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Sdk_GenerateImage_BytesAreAPng()
    {
        using var deadline = Wire.Deadline();
        var client = new ImageClient(
            "gpt-image-1",
            new ApiKeyCredential(Wire.OpenAiKey),
            new OpenAIClientOptions { Endpoint = new Uri(host.BaseAddress, "/v1"), NetworkTimeout = Wire.Timeout });

        GeneratedImage image = await client.GenerateImageAsync(
            "a lighthouse", new ImageGenerationOptions { ResponseFormat = GeneratedImageFormat.Bytes }, deadline.Token);

        DecodePng(image.ImageBytes.ToArray(), out var width, out _);
        Assert.Equal(8, width);
    }

    /// <summary>Checks the signature, every chunk's CRC and the IHDR; returns the inflated IDAT data.</summary>
    private static byte[] DecodePng(byte[] png, out int width, out int height)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var position = 8;
        width = height = 0;
        using var idat = new MemoryStream();
        var chunks = new List<string>();
        while (position < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            var type = Encoding.ASCII.GetString(png, position + 4, 4);
            var data = png.AsSpan(position + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + length));
            Assert.Equal(Crc32(png.AsSpan(position + 4, length + 4)), crc);
            chunks.Add(type);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]);
                Assert.Equal(2, data[9]);
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            position += 12 + length;
        }

        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks);
        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var pixels = new MemoryStream();
        zlib.CopyTo(pixels);
        return pixels.ToArray();
    }

    /// <summary>Bitwise CRC-32 (reflected, polynomial 0xEDB88320), independent of the simulator's table-driven one.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static HttpRequestMessage Request(JsonNode body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images/generations")
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
