using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Ingress.Tests.Chat;

/// <summary>Chat-completions bodies recorded from real clients (OpenAI .NET 2.15, openai-node 7.57), re-serialised.</summary>
internal static class RecordedRequests
{
    public static TheoryData<string, string> ChatBodies()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestData"), "*chat*.json").Order())
        {
            var recording = JsonNode.Parse(File.ReadAllText(file))!.AsArray();
            foreach (var entry in recording)
            {
                if (entry!["path"]!.GetValue<string>().EndsWith("/chat/completions", StringComparison.Ordinal))
                {
                    data.Add(Path.GetFileName(file), entry["body"]!.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
                }
            }
        }

        return data;
    }
}
