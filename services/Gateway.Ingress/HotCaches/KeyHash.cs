using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Ingress.HotCaches;

/// <summary>
/// SHA-256 of a presented API key: what the key cache is keyed by, so the cache never holds a key itself. Computed
/// on the stack (no allocation for keys up to <see cref="Chat.ApiKeyReader.MaxKeyLength"/> characters).
/// </summary>
internal readonly record struct KeyHash(ulong A, ulong B, ulong C, ulong D)
{
    public static KeyHash Of(string apiKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var max = Encoding.UTF8.GetMaxByteCount(apiKey.Length);
        byte[]? rented = null;
        var utf8 = max <= 1536 ? stackalloc byte[1536] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(apiKey, utf8);
            SHA256.HashData(utf8[..length], hash);
            CryptographicOperations.ZeroMemory(utf8[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return new KeyHash(
            BinaryPrimitives.ReadUInt64LittleEndian(hash),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]));
    }
}
