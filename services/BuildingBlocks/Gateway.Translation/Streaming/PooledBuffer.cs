using System.Buffers;

namespace Gateway.Translation.Streaming;

/// <summary>A growable byte buffer on <see cref="ArrayPool{T}.Shared"/>; returns its array on <see cref="Dispose"/>.</summary>
internal sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = [];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    public void Clear() => Length = 0;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Length += bytes.Length;
    }

    public void Append(byte b)
    {
        GetSpan(1)[0] = b;
        Length++;
    }

    public void Advance(int count) => Length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(Length);
    }

    private void Ensure(int sizeHint)
    {
        var need = Length + Math.Max(sizeHint, 1);
        if (need <= _array.Length)
        {
            return;
        }

        var next = ArrayPool<byte>.Shared.Rent(Math.Max(need, Math.Max(256, _array.Length * 2)));
        _array.AsSpan(0, Length).CopyTo(next);
        Return();
        _array = next;
    }

    private void Return()
    {
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
    }

    public void Dispose()
    {
        Return();
        _array = [];
        Length = 0;
    }
}
