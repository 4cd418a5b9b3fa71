using System.Buffers.Binary;
using Pipelines.Activities.Models.Quantization;

namespace Pipelines.Activities.Models.Export.Gguf;

/// <summary>
/// The byte layouts of ggml's F32, F16, Q8_0 and Q4_0 tensors, little-endian, row after row. A quantized row is a run
/// of blocks of 32 values, each a float16 scale followed by the values: Q8_0 as 32 signed bytes, Q4_0 as 16 bytes whose
/// low nibble is element j and high nibble element j + 16, both offset by 8.
/// </summary>
public static class GgmlBlocks
{
    public const int BlockSize = 32;

    public static long BytesOf(GgmlType type, long elements) => type switch
    {
        GgmlType.F32 => 4 * elements,
        GgmlType.F16 => 2 * elements,
        GgmlType.Q8_0 => elements / BlockSize * (2 + BlockSize),
        GgmlType.Q4_0 => elements / BlockSize * (2 + BlockSize / 2),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a type we write"),
    };

    public static byte[] F32(ReadOnlySpan<float> values)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    public static byte[] F16(ReadOnlySpan<float> values)
    {
        var bytes = new byte[2 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)values[i]);
        return bytes;
    }

    /// <summary>Whether <paramref name="matrix"/> fits ggml's blocks exactly: whole blocks of 32 per row, one scale within each.</summary>
    public static bool FitsBlocks(QuantizedMatrix matrix) =>
        matrix.Columns % BlockSize == 0 && (matrix.PerRow || matrix.BlockSize % BlockSize == 0);

    /// <summary>
    /// <paramref name="matrix"/> as Q8_0 (8 bits) or Q4_0 (4 bits): its very integers, and each block's scale, which
    /// is its row's scale for per-channel matrices.
    /// </summary>
    public static byte[] Pack(QuantizedMatrix matrix)
    {
        if (!FitsBlocks(matrix))
            throw new ArgumentException($"a {matrix.Rows}×{matrix.Columns} matrix in blocks of {matrix.BlockSize} does not fit ggml's blocks of {BlockSize}", nameof(matrix));
        var type = matrix.Bits == 8 ? GgmlType.Q8_0 : GgmlType.Q4_0;
        var bytes = new byte[BytesOf(type, (long)matrix.Rows * matrix.Columns)];
        var blockBytes = (int)BytesOf(type, BlockSize);
        var at = 0;
        for (var r = 0; r < matrix.Rows; r++)
        {
            for (var start = 0; start < matrix.Columns; start += BlockSize)
            {
                var block = bytes.AsSpan(at, blockBytes);
                BinaryPrimitives.WriteHalfLittleEndian(block, (Half)matrix.ScaleAt(r, start));
                var values = matrix.Values.AsSpan(r * matrix.Columns + start, BlockSize);
                if (type == GgmlType.Q8_0)
                {
                    for (var j = 0; j < BlockSize; j++) block[2 + j] = (byte)values[j];
                }
                else
                {
                    for (var j = 0; j < BlockSize / 2; j++) block[2 + j] = (byte)((values[j] + 8) | ((values[j + BlockSize / 2] + 8) << 4));
                }

                at += blockBytes;
            }
        }

        return bytes;
    }

    /// <summary>The float values <paramref name="data"/> of a tensor of <paramref name="type"/> stands for, in order.</summary>
    public static float[] Dequantize(GgmlType type, ReadOnlySpan<byte> data, long elements)
    {
        var result = new float[elements];
        switch (type)
        {
            case GgmlType.F32:
                for (var i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
                break;
            case GgmlType.F16:
                for (var i = 0; i < result.Length; i++) result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(2 * i)..]);
                break;
            case GgmlType.Q8_0 or GgmlType.Q4_0:
                var blockBytes = (int)BytesOf(type, BlockSize);
                for (var b = 0; b < result.Length / BlockSize; b++)
                {
                    var block = data.Slice(b * blockBytes, blockBytes);
                    var d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
                    for (var j = 0; j < BlockSize; j++)
                    {
                        var q = type == GgmlType.Q8_0 ? (sbyte)block[2 + j]
                            : j < BlockSize / 2 ? (block[2 + j] & 0x0F) - 8 : (block[2 + j - BlockSize / 2] >> 4) - 8;
                        result[b * BlockSize + j] = q * d;
                    }
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a type we read");
        }

        return result;
    }
}
