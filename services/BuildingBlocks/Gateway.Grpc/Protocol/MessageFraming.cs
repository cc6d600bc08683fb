using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Gateway.Grpc.Protocol;

internal enum FrameReadStatus
{
    /// <summary>A whole message is at the front of the buffer.</summary>
    Complete,

    /// <summary>More bytes are needed.</summary>
    Incomplete,

    /// <summary>The compressed flag is 1 (this layer speaks identity only).</summary>
    Compressed,

    /// <summary>The compressed flag is neither 0 nor 1.</summary>
    InvalidFlag,

    /// <summary>The declared length is over the receive limit.</summary>
    TooLarge,
}

/// <summary>Length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length, the message.</summary>
internal static class MessageFraming
{
    /// <summary>
    /// Looks for one message at the front of <paramref name="buffer"/>. On <see cref="FrameReadStatus.Complete"/>,
    /// <paramref name="message"/> is the payload and <paramref name="buffer"/> is what follows it. The length is
    /// checked against the limit as soon as the header is in, before the payload is buffered.
    /// </summary>
    public static FrameReadStatus TryRead(
        ref ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> message, out long declaredLength)
    {
        message = default;
        declaredLength = 0;
        if (buffer.Length < GrpcProtocol.FrameHeaderSize)
        {
            return FrameReadStatus.Incomplete;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
        declaredLength = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        switch (header[0])
        {
            case 0: break;
            case 1: return FrameReadStatus.Compressed;
            default: return FrameReadStatus.InvalidFlag;
        }

        if (declaredLength > maxMessageSize)
        {
            return FrameReadStatus.TooLarge;
        }

        if (buffer.Length < GrpcProtocol.FrameHeaderSize + declaredLength)
        {
            return FrameReadStatus.Incomplete;
        }

        message = buffer.Slice(GrpcProtocol.FrameHeaderSize, declaredLength);
        buffer = buffer.Slice(message.End);
        return FrameReadStatus.Complete;
    }

    /// <summary>Writes the header and the message straight into the writer (no intermediate copy).</summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message, int size)
    {
        var header = writer.GetSpan(GrpcProtocol.FrameHeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
        writer.Advance(GrpcProtocol.FrameHeaderSize);
        if (size > 0)
        {
            message.WriteTo(writer);
        }
    }

    /// <summary>The status for a frame that could not be read.</summary>
    public static Status ErrorStatus(FrameReadStatus status, long declaredLength, int maxMessageSize) => status switch
    {
        FrameReadStatus.TooLarge => new Status(
            StatusCode.ResourceExhausted,
            $"Received message larger than max ({declaredLength} vs. {maxMessageSize})"),
        FrameReadStatus.Compressed => new Status(
            StatusCode.Internal, "Received a compressed message, but no compression was negotiated (identity only)"),
        FrameReadStatus.InvalidFlag => new Status(StatusCode.Internal, "Invalid compressed flag in a message frame"),
        _ => new Status(StatusCode.Internal, "Incomplete message frame"),
    };
}
