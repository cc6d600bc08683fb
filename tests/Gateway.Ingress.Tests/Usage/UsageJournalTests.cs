using Gateway.Contracts;
using Gateway.Ingress.Usage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Ingress.Tests.Usage;

/// <summary>The on-disk usage journal, on real files in a private temp directory.</summary>
public sealed class UsageJournalTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "usage-journal-tests-" + Guid.NewGuid().ToString("N"));

    internal static UsageRecorded Event(string id, long input = 1) => new()
    {
        RequestId = id,
        TenantId = "t",
        KeyId = "k",
        Model = "m",
        ProviderId = "p",
        UpstreamModel = "u",
        Surface = "openai.chat",
        Outcome = UsageOutcome.Aborted,
        HttpStatus = 200,
        Streamed = true,
        InputTokens = input,
        OutputTokens = 7,
        CachedInputTokens = 1,
        InputPricePerMTokMicros = 150_000,
        StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_763_000_000_123),
        TimeToFirstTokenMs = 12.5,
        DurationMs = 40,
    };

    private UsageJournal Open(long maxBytes = 64L * 1024 * 1024) => new(_directory, maxBytes, NullLogger<UsageJournal>.Instance);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static List<UsageRecorded> ReadAll(UsageJournal journal)
    {
        var events = new List<UsageRecorded>();
        foreach (var path in journal.ListSegments())
        {
            using var segment = journal.TryClaim(path);
            Assert.NotNull(segment);
            events.AddRange(segment.Events);
        }

        return events;
    }

    [Fact]
    public void Append_ThenReopen_ReadsEveryEventWithAllFields()
    {
        using (var journal = Open())
        {
            Assert.Equal(JournalAppend.Appended, journal.Append([Event("a"), Event("b")]));
            Assert.Equal(JournalAppend.Appended, journal.Append([Event("c", input: 5)]));
        }

        using var reopened = Open();
        var events = ReadAll(reopened);

        Assert.Equal(["a", "b", "c"], events.Select(e => e.RequestId));
        Assert.Equal(Event("c", input: 5), events[2]);
        Assert.True(reopened.Bytes > UsageJournal.HeaderSize);
    }

    [Fact]
    public void ListSegments_SegmentBeingWritten_IsNotReplayableUntilSealed()
    {
        using var journal = Open();
        journal.Append([Event("a")]);

        Assert.Empty(journal.ListSegments());
        Assert.True(journal.HasActiveData);

        journal.SealActive();
        var segment = Assert.Single(journal.ListSegments());
        using var claimed = journal.TryClaim(segment);
        Assert.NotNull(claimed);
        Assert.Equal("a", Assert.Single(claimed.Events).RequestId);
    }

    [Fact]
    public void TryClaim_SegmentLockedByAnotherWriter_ReturnsNull()
    {
        using var writer = Open();
        writer.Append([Event("a")]);
        using var other = Open();

        // The other instance sees the writer's segment but cannot take it while the writer holds it.
        var path = Assert.Single(other.ListSegments());
        Assert.Null(other.TryClaim(path));

        writer.SealActive();
        using var claimed = other.TryClaim(path);
        Assert.NotNull(claimed);
        // Claimed once: a second claim (another replayer) is refused while the first holds it.
        Assert.Null(writer.TryClaim(path));
    }

    [Fact]
    public void Read_LastRecordTornByACrash_EarlierRecordsKeptAndTailSkipped()
    {
        string path;
        using (var journal = Open())
        {
            journal.Append([Event("a")]);
            journal.Append([Event("b"), Event("c")]);
            journal.Append([Event("torn")]);
            journal.SealActive();
            path = Assert.Single(journal.ListSegments());
        }

        // A crash in the middle of the last write: only part of its payload reached the disk.
        var length = new FileInfo(path).Length;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(length - 10);
        }

        using var reopened = Open();
        using var segment = reopened.TryClaim(path);
        Assert.NotNull(segment);
        Assert.Equal(["a", "b", "c"], segment.Events.Select(e => e.RequestId));
        Assert.Equal(2, segment.Records);
        Assert.True(segment.SkippedBytes > 0);
        Assert.False(segment.Unreadable);
    }

    [Fact]
    public void Read_LastRecordCorrupted_EarlierRecordsKept()
    {
        string path;
        using (var journal = Open())
        {
            journal.Append([Event("a")]);
            journal.Append([Event("b")]);
            journal.SealActive();
            path = Assert.Single(journal.ListSegments());
        }

        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x5A; // a flipped byte inside the last payload: its checksum no longer matches
        File.WriteAllBytes(path, bytes);

        using var reopened = Open();
        using var segment = reopened.TryClaim(path);
        Assert.NotNull(segment);
        Assert.Equal("a", Assert.Single(segment.Events).RequestId);
        Assert.True(segment.SkippedBytes > 0);
    }

    [Fact]
    public void Read_OnlyAPartialRecordHeader_NoEventsAndTheHeaderBytesSkipped()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "usage-20261122T000000000-crashed-000001.journal");
        File.WriteAllBytes(path, [(byte)'G', (byte)'W', (byte)'U', (byte)'J', 1, 0, 0, 0, 42, 0, 0]);

        using var journal = Open();
        using var segment = journal.TryClaim(path);
        Assert.NotNull(segment);
        Assert.Empty(segment.Events);
        Assert.Equal(3, segment.SkippedBytes);
    }

    [Fact]
    public void Read_NotAJournal_UnreadableAndQuarantined()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, "usage-20261122T000000000-other-000001.journal");
        File.WriteAllText(path, "this is not a usage journal");

        using var journal = Open();
        using (var segment = journal.TryClaim(path))
        {
            Assert.NotNull(segment);
            Assert.True(segment.Unreadable);
            segment.Quarantine();
        }

        Assert.Empty(journal.ListSegments());
        Assert.True(File.Exists(path + UsageJournal.QuarantineExtension));
    }

    [Fact]
    public void Append_PastTheBound_RefusedAndNothingWritten()
    {
        using var journal = Open(maxBytes: 2048);
        var appended = 0;
        JournalAppend result;
        while ((result = journal.Append([Event($"r{appended}")])) == JournalAppend.Appended)
        {
            appended++;
            Assert.True(appended < 1000, "the bound never applied");
        }

        Assert.Equal(JournalAppend.Full, result);
        Assert.True(journal.Bytes <= 2048);
        journal.SealActive();
        Assert.Equal(appended, ReadAll(journal).Count);
        Assert.True(appended > 0);
    }

    [Fact]
    public void Delete_ReplayedSegment_FreesItsBytes()
    {
        var record = UsageJournal.RecordHeaderSize
            + System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new[] { Event("a") }, UsageJournalJsonContext.Default.UsageRecordedArray).Length;
        using var journal = Open(maxBytes: UsageJournal.HeaderSize + record + (record / 2));
        Assert.Equal(JournalAppend.Appended, journal.Append([Event("a")]));
        Assert.Equal(JournalAppend.Full, journal.Append([Event("b"), Event("c")]));
        journal.SealActive();

        using (var segment = journal.TryClaim(Assert.Single(journal.ListSegments())))
        {
            segment!.Delete();
        }

        Assert.Equal(0, journal.Bytes);
        Assert.Equal(JournalAppend.Appended, journal.Append([Event("b")]));
    }
}
