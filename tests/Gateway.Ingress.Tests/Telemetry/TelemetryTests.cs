using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gateway.Ingress.Tests.Api;
using Gateway.Ingress.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Ingress.Tests.Telemetry;

[Collection(IngressCollection.Name)]
public sealed class TelemetryTests(IngressFixture fixture)
{
    [Fact]
    public async Task UpstreamCall_HasAGenAiSpanWithoutContentOrKeys()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Gateway.Ingress",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        using var response = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), simId: Guid.NewGuid().ToString("N")));
        var requestId = Http.RequestId(response);
        await fixture.Usage.WaitForAsync(requestId);

        var span = activities.Single(a => (string?)a.GetTagItem("gateway.request_id") == requestId);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(FakeDependencies.ProviderId, span.GetTagItem("gen_ai.system"));
        Assert.Equal(FakeDependencies.UpstreamModel, span.GetTagItem("gen_ai.request.model"));
        Assert.Equal(FakeDependencies.UpstreamModel, span.GetTagItem("gen_ai.response.model"));
        Assert.Equal(20L, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(7L, span.GetTagItem("gen_ai.usage.output_tokens"));
        var everything = string.Join("|", span.TagObjects.Select(t => $"{t.Key}={t.Value}")) + span.DisplayName;
        Assert.DoesNotContain("PROMPT-SECRET-TEXT", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeOpenAiUpstream.CompletionText, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeDependencies.ValidKey, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeOpenAiUpstream.ProviderKey, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_RecordPrometheusShapedInstruments()
    {
        var meterFactory = fixture.App.Services.GetRequiredService<IMeterFactory>();
        var instruments = new ConcurrentDictionary<string, (string? Unit, Type Type)>();
        var measurements = new ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Gateway.Ingress" && instrument.Meter.Scope == meterFactory)
                {
                    instruments[instrument.Name] = (instrument.Unit, instrument.GetType());
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.Start();

        using (var ok = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model, stream: true), simId: Guid.NewGuid().ToString("N"))))
        {
            await ok.Content.ReadAsStringAsync();
            await fixture.Usage.WaitForAsync(Http.RequestId(ok));
        }

        using (var notFound = await fixture.Public.SendAsync(Http.Chat(Http.Body("random-model-name-123"))))
        {
            Assert.Equal(404, (int)notFound.StatusCode);
        }

        Assert.Equal(("{request}", typeof(Counter<long>)), instruments["gateway.requests"]);
        Assert.Equal(("s", typeof(Histogram<double>)), instruments["gateway.request.duration"]);
        Assert.Equal(("s", typeof(Histogram<double>)), instruments["gateway.time_to_first_token"]);
        Assert.Equal(("{token}", typeof(Counter<long>)), instruments["gateway.tokens"]);
        Assert.Equal(((string?)null, typeof(Counter<double>)), instruments["gateway.cost_usd"]);

        var requests = measurements.Where(m => m.Name == "gateway.requests").Select(m => m.Tags).ToList();
        Assert.Contains(requests, t => (string?)t["model"] == FakeDependencies.Model && (string?)t["provider"] == FakeDependencies.ProviderId
            && (string?)t["surface"] == "openai.chat" && (string?)t["status"] == "200");
        // An unknown model name from a client never becomes a tag value.
        Assert.Contains(requests, t => (string?)t["model"] == "unknown" && (string?)t["status"] == "404");
        Assert.DoesNotContain(measurements, m => m.Tags.Values.Contains("random-model-name-123"));

        var tokens = measurements.Where(m => m.Name == "gateway.tokens").ToList();
        Assert.Contains(tokens, m => (string?)m.Tags["kind"] == "input" && m.Value == 11);
        Assert.Contains(tokens, m => (string?)m.Tags["kind"] == "output" && m.Value == 3);
        Assert.Contains(tokens, m => (string?)m.Tags["kind"] == "cached_input" && m.Value == 4);
        Assert.Contains(tokens, m => (string?)m.Tags["kind"] == "reasoning" && m.Value == 1);

        // 7 uncached input at 2.5 $/M + 4 cached at 1.25 $/M + 3 output at 10 $/M.
        var cost = measurements.Where(m => m.Name == "gateway.cost_usd").Select(m => m.Value).ToList();
        Assert.Contains(cost, c => Math.Abs(c - ((7 * 2.5) + (4 * 1.25) + (3 * 10.0)) / 1_000_000) < 1e-12);
        Assert.Contains(measurements, m => m.Name == "gateway.time_to_first_token" && m.Value > 0);
    }

    [Fact]
    public async Task Logs_NeverContainKeysPromptsOrCompletions()
    {
        using (var r = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), simId: Guid.NewGuid().ToString("N"))))
        {
            await r.Content.ReadAsStringAsync();
        }

        using (var r = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), FakeDependencies.AuthDownKey)))
        {
            Assert.Equal(503, (int)r.StatusCode);
        }

        using (var r = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), simId: Guid.NewGuid().ToString("N"), mode: "error",
                   headers: ("x-sim-status", "401"))))
        {
            Assert.Equal(502, (int)r.StatusCode);
        }

        using (var r = await fixture.Public.SendAsync(Http.Chat(Http.Body(FakeDependencies.Model), "sk-unknown-secret-key")))
        {
            Assert.Equal(401, (int)r.StatusCode);
        }

        Assert.NotEmpty(fixture.Logs.Lines);
        foreach (var line in fixture.Logs.Lines)
        {
            Assert.DoesNotContain(FakeDependencies.ValidKey, line, StringComparison.Ordinal);
            Assert.DoesNotContain(FakeDependencies.AuthDownKey, line, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-unknown-secret-key", line, StringComparison.Ordinal);
            Assert.DoesNotContain(FakeOpenAiUpstream.ProviderKey, line, StringComparison.Ordinal);
            Assert.DoesNotContain(IngressFixture.AdminToken, line, StringComparison.Ordinal);
            Assert.DoesNotContain("PROMPT-SECRET-TEXT", line, StringComparison.Ordinal);
            Assert.DoesNotContain(FakeOpenAiUpstream.CompletionText, line, StringComparison.Ordinal);
        }
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value;
        }

        return dictionary;
    }
}
