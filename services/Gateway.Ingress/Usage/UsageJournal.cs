using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Contracts;

namespace Gateway.Ingress.Usage;

/// <summary>
/// The durable local spill of usage events that could not be published: a directory of append-only segment files,
/// replayed (published, then deleted) once RabbitMQ is reachable again, by this process or the next one.
/// <para>Format of a segment, <c>usage-{utc yyyyMMddTHHmmssfff}-{instance}-{sequence}.journal</c>:</para>
/// <code>
/// header  "GWUJ" (4 bytes), version u16 LE (1), reserved u16 (0)
/// record  length u32 LE | CRC-32 of the payload u32 LE | payload: UTF-8 JSON array of UsageRecorded (camelCase)
/// record  ...
/// </code>
/// <para>
/// One record per appended batch, flushed to disk (fsync) before <see cref="Append"/> returns. A reader stops at the
/// first record that is incomplete or fails its checksum (a crash in the middle of a write) and keeps every record
/// before it. A failed write truncates the segment back and closes it, so later batches never follow a torn record.
/// </para>
/// <para>
/// Several processes may share the directory: the segment being written is held with an exclusive lock
/// (<see cref="FileShare.None"/>, an advisory flock on Linux), and a segment is replayed only by whoever opens it
/// with the same lock, so two processes never replay one segment at once. Segments a dead process left (its lock is
/// gone with it) are replayed by any live one.
/// </para>
/// </summary>
internal sealed class UsageJournal : IDisposable
{
    public const string FilePattern = "usage-*.journal";
    public const string QuarantineExtension = ".corrupt";
    public const int HeaderSize = 8;
    public const int RecordHeaderSize = 8;
    public const ushort FormatVersion = 1;

    /// <summary>A record longer than this is treated as corrupt (a batch of 4096 large events is far below it).</summary>
    public const int MaxRecordBytes = 64 * 1024 * 1024;

    /// <summary>The segment being written is closed and a new one started past this size.</summary>
    public const long SegmentRollBytes = 4 * 1024 * 1024;

    private static ReadOnlySpan<byte> Magic => "GWUJ"u8;

    private readonly Lock _gate = new();
    private readonly string _instance = Guid.NewGuid().ToString("N")[..12];
    private readonly ILogger<UsageJournal> _logger;
    private FileStream? _active;
    private string? _activePath;
    private long _sequence;
    private long _bytes;
    private bool _disposed;

    public UsageJournal(string directory, long maxBytes, ILogger<UsageJournal> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        DirectoryPath = Path.GetFullPath(directory);
        MaxBytes = maxBytes;
        _logger = logger;
        try
        {
            Directory.CreateDirectory(DirectoryPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"The usage journal directory {DirectoryPath} (Ingress:UsageSpillDirectory) cannot be created: {ex.Message}", ex);
        }

        _bytes = ScanBytes();
    }

    public string DirectoryPath { get; }

    public long MaxBytes { get; }

    /// <summary>Bytes of every segment in the directory, as last scanned plus what was appended since.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>True when the segment this process writes holds at least one record.</summary>
    public bool HasActiveData
    {
        get
        {
            lock (_gate)
            {
                return _active is { } active && active.Length > HeaderSize;
            }
        }
    }

    /// <summary>Appends one batch as one record and flushes it to disk.</summary>
    public JournalAppend Append(UsageRecorded[] events)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(events, UsageJournalJsonContext.Default.UsageRecordedArray);
        var size = RecordHeaderSize + payload.Length;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Bytes + size + (_active is null ? HeaderSize : 0) > MaxBytes)
            {
                return JournalAppend.Full;
            }

            long before = -1;
            try
            {
                if (_active is null || _active.Length >= SegmentRollBytes)
                {
                    OpenSegment();
                }

                var active = _active!;
                before = active.Length;
                Span<byte> header = stackalloc byte[RecordHeaderSize];
                BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.Compute(payload));
                active.Write(header);
                active.Write(payload);
                active.Flush(flushToDisk: true);
                Interlocked.Add(ref _bytes, size);
                return JournalAppend.Appended;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                UsageLog.JournalWriteFailed(_logger, DirectoryPath, ex);
                AbandonActive(before);
                return JournalAppend.Failed;
            }
        }
    }

    /// <summary>Closes the segment being written (if any) so it can be replayed; the next append starts a new one.</summary>
    public void SealActive()
    {
        lock (_gate)
        {
            CloseActive();
        }
    }

    /// <summary>Segments that can be replayed (not the one this process writes), oldest first; rescans the size.</summary>
    public IReadOnlyList<string> ListSegments()
    {
        string[] files;
        try
        {
            files = Directory.GetFiles(DirectoryPath, FilePattern);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            UsageLog.JournalWriteFailed(_logger, DirectoryPath, ex);
            return [];
        }

        Array.Sort(files, StringComparer.Ordinal);
        var segments = new List<string>(files.Length);
        long bytes = 0;
        lock (_gate)
        {
            foreach (var file in files)
            {
                bytes += SizeOf(file);
                if (!string.Equals(file, _activePath, StringComparison.Ordinal))
                {
                    segments.Add(file);
                }
            }

            Interlocked.Exchange(ref _bytes, bytes);
        }

        return segments;
    }

    /// <summary>
    /// Opens a segment exclusively and reads its records, or null when another process holds it or it is gone.
    /// The lock is held until the returned segment is disposed.
    /// </summary>
    public JournalSegment? TryClaim(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, bufferSize: 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // locked by its writer or another replayer, or already deleted
        }

        try
        {
            return JournalSegment.Read(this, path, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    internal void Forget(long bytes) => Interlocked.Add(ref _bytes, -bytes);

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            CloseActive();
        }
    }

    private void OpenSegment()
    {
        CloseActive();
        var name = $"usage-{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff}-{_instance}-{++_sequence:D6}.journal";
        var path = Path.Combine(DirectoryPath, name);
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FormatVersion);
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0);
            stream.Write(header);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            stream.Dispose();
            TryDelete(path);
            throw;
        }

        _active = stream;
        _activePath = path;
        Interlocked.Add(ref _bytes, HeaderSize);
    }

    private void CloseActive()
    {
        if (_active is not { } active)
        {
            return;
        }

        var path = _activePath!;
        var empty = false;
        try
        {
            empty = active.Length <= HeaderSize;
        }
        catch (IOException)
        {
        }

        active.Dispose();
        _active = null;
        _activePath = null;
        if (empty && TryDelete(path))
        {
            Forget(HeaderSize);
        }
    }

    /// <summary>After a failed write: cut the torn record off (when possible) and close the segment.</summary>
    private void AbandonActive(long lengthBefore)
    {
        if (_active is { } active && lengthBefore >= 0)
        {
            try
            {
                active.SetLength(lengthBefore);
                active.Flush(flushToDisk: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The reader stops at the torn record; nothing follows it since the segment is closed now.
            }
        }

        try
        {
            CloseActive();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _active = null;
            _activePath = null;
        }

        ScanBytes();
    }

    private long ScanBytes()
    {
        long bytes = 0;
        try
        {
            foreach (var file in Directory.EnumerateFiles(DirectoryPath, FilePattern))
            {
                bytes += SizeOf(file);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Bytes;
        }

        Interlocked.Exchange(ref _bytes, bytes);
        return bytes;
    }

    private static long SizeOf(string file)
    {
        try
        {
            return new FileInfo(file).Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    internal static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static bool HasValidHeader(ReadOnlySpan<byte> data) =>
        data.Length >= HeaderSize && data[..4].SequenceEqual(Magic)
        && BinaryPrimitives.ReadUInt16LittleEndian(data[4..]) == FormatVersion;
}

internal enum JournalAppend
{
    Appended,

    /// <summary>The journal is at <see cref="UsageJournal.MaxBytes"/>.</summary>
    Full,

    /// <summary>The write failed (disk full, I/O error); nothing of the batch counts as written.</summary>
    Failed,
}

/// <summary>A claimed segment: its readable records, held locked until disposed.</summary>
internal sealed class JournalSegment : IDisposable
{
    private readonly UsageJournal _journal;
    private readonly FileStream _stream;
    private readonly long _length;

    private JournalSegment(UsageJournal journal, string path, FileStream stream, long length)
    {
        _journal = journal;
        _stream = stream;
        _length = length;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Every event of the readable records, in order.</summary>
    public List<UsageRecorded> Events { get; } = [];

    public int Records { get; private set; }

    /// <summary>Bytes after the last readable record (a torn or corrupt tail), not replayed.</summary>
    public long SkippedBytes { get; private set; }

    /// <summary>The header is not a journal header: nothing in the file can be trusted.</summary>
    public bool Unreadable { get; private set; }

    internal static JournalSegment Read(UsageJournal journal, string path, FileStream stream)
    {
        var length = stream.Length;
        var segment = new JournalSegment(journal, path, stream, length);
        if (length > int.MaxValue)
        {
            segment.Unreadable = true;
            return segment;
        }

        var data = new byte[length];
        stream.ReadExactly(data);
        if (length < UsageJournal.HeaderSize)
        {
            // A crash before the header reached the disk: an empty segment.
            segment.SkippedBytes = length;
            return segment;
        }

        if (!UsageJournal.HasValidHeader(data))
        {
            segment.Unreadable = true;
            return segment;
        }

        var position = UsageJournal.HeaderSize;
        while (position < data.Length)
        {
            var left = data.Length - position;
            if (left < UsageJournal.RecordHeaderSize)
            {
                break;
            }

            var size = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(position));
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(position + 4));
            if (size <= 0 || size > UsageJournal.MaxRecordBytes || size > left - UsageJournal.RecordHeaderSize)
            {
                break;
            }

            var payload = data.AsSpan(position + UsageJournal.RecordHeaderSize, size);
            if (Crc32.Compute(payload) != crc)
            {
                break;
            }

            UsageRecorded[]? events;
            try
            {
                events = JsonSerializer.Deserialize(payload, UsageJournalJsonContext.Default.UsageRecordedArray);
            }
            catch (JsonException)
            {
                break;
            }

            if (events is not null)
            {
                foreach (var usage in events)
                {
                    if (usage is not null)
                    {
                        segment.Events.Add(usage);
                    }
                }
            }

            segment.Records++;
            position += UsageJournal.RecordHeaderSize + size;
        }

        segment.SkippedBytes = data.Length - position;
        return segment;
    }

    /// <summary>Deletes the segment (its events were published).</summary>
    public void Delete()
    {
        if (UsageJournal.TryDelete(Path))
        {
            _journal.Forget(_length);
        }
    }

    /// <summary>Renames an unreadable segment to <c>*.corrupt</c>: kept for an operator, never replayed.</summary>
    public void Quarantine()
    {
        try
        {
            File.Move(Path, Path + UsageJournal.QuarantineExtension);
            _journal.Forget(_length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left in place; it is tried again (and found unreadable again) at the next replay.
        }
    }

    public void Dispose() => _stream.Dispose();
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(UsageRecorded[]))]
internal sealed partial class UsageJournalJsonContext : JsonSerializerContext;
