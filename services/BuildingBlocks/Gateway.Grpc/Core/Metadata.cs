using System.Collections;
using System.Text;

namespace Gateway.Grpc;

/// <summary>
/// gRPC custom metadata: an ordered list of key/value entries sent as HTTP/2 headers or trailers. Keys are
/// lower-cased and limited to <c>0-9 a-z _ - .</c>; keys ending in <c>-bin</c> carry bytes (base64 on the wire),
/// the others printable ASCII. Keys reserved by the protocol (<c>grpc-*</c>, <c>te</c>, <c>content-type</c>,
/// pseudo-headers, ...) cannot be added and are never exposed as received metadata. A key may repeat.
/// </summary>
public sealed class Metadata : IEnumerable<Metadata.Entry>
{
    public const string BinaryKeySuffix = "-bin";

    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    public Entry this[int index] => _entries[index];

    /// <summary>Adds an ASCII entry.</summary>
    /// <exception cref="ArgumentException">The key is invalid or reserved, ends with -bin, or the value is not printable ASCII.</exception>
    public Metadata Add(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var normalized = NormalizeUserKey(key);
        if (IsBinaryKey(normalized))
        {
            throw new ArgumentException($"Metadata key '{normalized}' ends with '-bin': add its value as bytes.", nameof(key));
        }

        foreach (var c in value)
        {
            if (c < 0x20 || c > 0x7E)
            {
                throw new ArgumentException($"The value of metadata key '{normalized}' must be printable ASCII.", nameof(value));
            }
        }

        _entries.Add(new Entry(normalized, value, null));
        return this;
    }

    /// <summary>Adds a binary entry; the key must end with -bin.</summary>
    /// <exception cref="ArgumentException">The key is invalid or reserved, or does not end with -bin.</exception>
    public Metadata Add(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var normalized = NormalizeUserKey(key);
        if (!IsBinaryKey(normalized))
        {
            throw new ArgumentException($"Metadata key '{normalized}' carries bytes, so it must end with '-bin'.", nameof(key));
        }

        _entries.Add(new Entry(normalized, null, value));
        return this;
    }

    /// <summary>The value of the last ASCII entry with this key, or null.</summary>
    public string? GetValue(string key)
    {
        var normalized = key.ToLowerInvariant();
        if (IsBinaryKey(normalized))
        {
            throw new ArgumentException($"Metadata key '{normalized}' is binary: use GetValueBytes.", nameof(key));
        }

        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Key == normalized)
            {
                return _entries[i].Value;
            }
        }

        return null;
    }

    /// <summary>The bytes of the last entry with this key (an ASCII value as its ASCII bytes), or null.</summary>
    public byte[]? GetValueBytes(string key)
    {
        var normalized = key.ToLowerInvariant();
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Key == normalized)
            {
                return _entries[i].ValueBytes;
            }
        }

        return null;
    }

    /// <summary>Every entry with this key, in order.</summary>
    public IEnumerable<Entry> GetAll(string key)
    {
        var normalized = key.ToLowerInvariant();
        foreach (var entry in _entries)
        {
            if (entry.Key == normalized)
            {
                yield return entry;
            }
        }
    }

    public bool Remove(Entry entry) => _entries.Remove(entry);

    public void Clear() => _entries.Clear();

    public List<Entry>.Enumerator GetEnumerator() => _entries.GetEnumerator();

    IEnumerator<Entry> IEnumerable<Entry>.GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    /// <summary>True for keys that end with -bin.</summary>
    public static bool IsBinaryKey(string key) => key.EndsWith(BinaryKeySuffix, StringComparison.Ordinal);

    /// <summary>
    /// True for header names this layer owns or HTTP/2 owns: they are never user metadata.
    /// <paramref name="key"/> must be lower case (HTTP/2 header names always are).
    /// </summary>
    public static bool IsReservedKey(string key) =>
        key.Length == 0
        || key[0] == ':'
        || key.StartsWith("grpc-", StringComparison.Ordinal)
        || key is "te" or "content-type" or "content-length" or "host" or "connection" or "keep-alive"
            or "proxy-connection" or "transfer-encoding" or "upgrade";

    /// <summary>Adds an entry received from a peer, skipping reserved or malformed ones rather than failing the call.</summary>
    internal void AddReceived(string key, string? rawValue)
    {
        if (rawValue is null)
        {
            return;
        }

        var normalized = key.ToLowerInvariant();
        if (IsReservedKey(normalized) || !IsValidKey(normalized))
        {
            return;
        }

        if (!IsBinaryKey(normalized))
        {
            _entries.Add(new Entry(normalized, rawValue, null));
            return;
        }

        // Several binary values may arrive joined with commas in one header (base64 never contains a comma).
        foreach (var part in rawValue.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryDecodeBase64(part, out var bytes))
            {
                _entries.Add(new Entry(normalized, null, bytes));
            }
        }
    }

    /// <summary>Adds an already-validated entry (copying between collections).</summary>
    internal void AddEntry(Entry entry) => _entries.Add(entry);

    internal static bool IsValidKey(string key)
    {
        if (key.Length == 0)
        {
            return false;
        }

        foreach (var c in key)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '.';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static string NormalizeUserKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var normalized = key.ToLowerInvariant();
        if (!IsValidKey(normalized))
        {
            throw new ArgumentException($"Metadata key '{key}' has characters outside 0-9 a-z _ - .", nameof(key));
        }

        if (IsReservedKey(normalized))
        {
            throw new ArgumentException($"Metadata key '{normalized}' is reserved by the protocol.", nameof(key));
        }

        return normalized;
    }

    private static bool TryDecodeBase64(string value, out byte[] bytes)
    {
        // Peers may send padded or unpadded base64 (the spec requires accepting both).
        var padding = (4 - (value.Length % 4)) % 4;
        var padded = padding == 0 ? value : string.Concat(value, new string('=', padding));
        try
        {
            bytes = Convert.FromBase64String(padded);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    /// <summary>One metadata entry.</summary>
    public sealed class Entry
    {
        private readonly string? _value;
        private readonly byte[]? _bytes;

        internal Entry(string key, string? value, byte[]? bytes)
        {
            Key = key;
            _value = value;
            _bytes = bytes;
        }

        public string Key { get; }

        public bool IsBinary => _bytes is not null;

        /// <summary>The ASCII value.</summary>
        /// <exception cref="InvalidOperationException">The entry is binary.</exception>
        public string Value => _value ?? throw new InvalidOperationException($"Metadata entry '{Key}' is binary: read ValueBytes.");

        /// <summary>The bytes (for an ASCII entry, its ASCII encoding).</summary>
        public byte[] ValueBytes => _bytes ?? Encoding.ASCII.GetBytes(_value!);

        /// <summary>The value as sent on the wire: the text, or unpadded base64 for binary entries.</summary>
        internal string WireValue => _bytes is null ? _value! : Convert.ToBase64String(_bytes).TrimEnd('=');

        public override string ToString() => IsBinary ? $"{Key}=[{_bytes!.Length} bytes]" : $"{Key}={_value}";
    }
}
