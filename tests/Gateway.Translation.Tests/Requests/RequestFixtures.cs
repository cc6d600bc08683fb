using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Translation.Tests.Requests;

/// <summary>The recorded client requests (Fixtures/*.json, copied from shared/fixtures/client-requests) and helpers
/// to parse and write requests in tests.</summary>
internal static class RequestFixtures
{
    private static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>Every chat/messages/responses POST of every fixture file: (file, index in the file, wire).</summary>
    public static TheoryData<string, int, Wire> All()
    {
        var data = new TheoryData<string, int, Wire>();
        foreach (var path in System.IO.Directory.GetFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var index = 0;
            foreach (var request in document.RootElement.EnumerateArray())
            {
                if (WireOf(request) is { } wire)
                {
                    data.Add(Path.GetFileName(path), index, wire);
                }

                index++;
            }
        }

        return data;
    }

    private static Wire? WireOf(JsonElement request)
    {
        if (request.GetProperty("method").GetString() != "POST")
        {
            return null;
        }

        var path = request.GetProperty("path").GetString()!;
        return path.EndsWith("/chat/completions", StringComparison.Ordinal) ? Wire.OpenAiChat
            : path.EndsWith("/messages", StringComparison.Ordinal) ? Wire.AnthropicMessages
            : path.EndsWith("/responses", StringComparison.Ordinal) ? Wire.OpenAiResponses
            : null;
    }

    /// <summary>The body of request <paramref name="index"/> of fixture <paramref name="file"/>, as bytes.</summary>
    public static byte[] Body(string file, int index)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, file)));
        return Encoding.UTF8.GetBytes(document.RootElement[index].GetProperty("body").GetRawText());
    }

    public static CanonicalRequest Parse(Wire wire, string json) => Parse(wire, Encoding.UTF8.GetBytes(json));

    public static CanonicalRequest Parse(Wire wire, byte[] body)
    {
        var ok = RequestTranslator.TryParse(wire, body, out var request, out var error);
        Assert.True(ok, $"{error.Param}: {error.Message}");
        return request!;
    }

    public static TranslationError ParseError(Wire wire, string json)
    {
        var ok = RequestTranslator.TryParse(wire, Encoding.UTF8.GetBytes(json), out var request, out var error);
        Assert.False(ok);
        Assert.Null(request);
        return error;
    }

    /// <summary>Writes <paramref name="request"/> for <paramref name="upstream"/> and returns the body as JSON.</summary>
    public static JsonElement Write(CanonicalRequest request, Wire upstream, out TranslationContext context, string model = "up-model")
    {
        var buffer = new ArrayBufferWriter<byte>();
        context = RequestTranslator.Write(request, upstream, model, "req1", buffer);
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    public static JsonElement Write(CanonicalRequest request, Wire upstream) => Write(request, upstream, out _);

    /// <summary>The written body bytes (to parse again as a client request of the upstream's wire).</summary>
    public static byte[] WriteBytes(CanonicalRequest request, Wire upstream)
    {
        var buffer = new ArrayBufferWriter<byte>();
        RequestTranslator.Write(request, upstream, "up-model", "req1", buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Two JSON texts hold the same value (property order and whitespace aside).</summary>
    public static void AssertSameJson(string expected, string actual)
    {
        using var left = JsonDocument.Parse(expected);
        using var right = JsonDocument.Parse(actual);
        Assert.True(JsonElement.DeepEquals(left.RootElement, right.RootElement), $"expected {expected}\nactual   {actual}");
    }
}
