using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Gateway.Simulator.Images;

/// <summary>
/// Writes a small, valid PNG (ISO/IEC 15948): signature, IHDR (8-bit truecolour), one zlib-compressed IDAT with
/// filter type 0 rows, IEND, each chunk with its CRC-32.
/// </summary>
internal static class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>A <paramref name="width"/> × <paramref name="height"/> image: <paramref name="rgb"/> with a lighter diagonal.</summary>
    public static byte[] Solid(int width, int height, (byte R, byte G, byte B) rgb)
    {
        var raw = new byte[height * (1 + (width * 3))];
        var position = 0;
        for (var y = 0; y < height; y++)
        {
            raw[position++] = 0; // filter: none
            for (var x = 0; x < width; x++)
            {
                var light = x == y;
                raw[position++] = light ? (byte)(255 - ((255 - rgb.R) / 2)) : rgb.R;
                raw[position++] = light ? (byte)(255 - ((255 - rgb.G) / 2)) : rgb.G;
                raw[position++] = light ? (byte)(255 - ((255 - rgb.B) / 2)) : rgb.B;
            }
        }

        byte[] compressed;
        using (var buffer = new MemoryStream())
        {
            using (var zlib = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(raw);
            }

            compressed = buffer.ToArray();
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: truecolour
        // compression 0, filter 0, interlace 0

        using var png = new MemoryStream();
        png.Write(Signature);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed);
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>CRC-32 (ISO 3309, polynomial 0xEDB88320) as PNG uses it.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data, uint crc = 0)
    {
        crc = ~crc;
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(data, Crc32(typeBytes)));
        output.Write(word);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
