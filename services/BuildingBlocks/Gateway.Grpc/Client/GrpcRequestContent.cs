using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using Gateway.Grpc.Protocol;
using Google.Protobuf;

namespace Gateway.Grpc.Client;

/// <summary>The request body: one length-prefixed message, serialized into a pooled buffer when it is sent.</summary>
internal sealed class GrpcRequestContent : HttpContent
{
    private readonly IMessage _message;
    private readonly int _size;

    public GrpcRequestContent(IMessage message, int size)
    {
        _message = message;
        _size = size;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var length = GrpcProtocol.FrameHeaderSize + _size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Fill(buffer.AsSpan(0, length));
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var length = GrpcProtocol.FrameHeaderSize + _size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Fill(buffer.AsSpan(0, length));
            stream.Write(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = GrpcProtocol.FrameHeaderSize + _size;
        return true;
    }

    private void Fill(Span<byte> frame)
    {
        frame[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(frame[1..], (uint)_size);
        if (_size > 0)
        {
            _message.WriteTo(frame[GrpcProtocol.FrameHeaderSize..]);
        }
    }
}
