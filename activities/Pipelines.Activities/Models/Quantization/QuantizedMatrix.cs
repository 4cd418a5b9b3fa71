using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// A weight matrix as signed integers with one scale per block of a row: <c>w[r, c] ≈ Values[r, c] · Scales[r, c / BlockSize]</c>.
/// Rows are output channels (the <c>nn.Linear</c> layout, <c>[out, in]</c>; GPT-2's Conv1D weights are transposed into
/// it) or, for token embeddings, tokens. The last block of a row is shorter when <see cref="Columns"/> is not a multiple
/// of <see cref="BlockSize"/>. Scales are rounded to float16 when made, so ONNX Runtime (<c>MatMulNBits</c>), llama.cpp
/// (<c>Q8_0</c>/<c>Q4_0</c>, whose block scales are float16) and our own dequantization multiply the very same numbers.
/// This is the one representation every exporter reads.
/// </summary>
public sealed class QuantizedMatrix
{
    public QuantizedMatrix(int rows, int columns, int bits, int blockSize, sbyte[] values, float[] scales)
    {
        if (bits is not (4 or 8)) throw new ArgumentOutOfRangeException(nameof(bits), bits, "4 or 8 bits");
        if (values.Length != (long)rows * columns) throw new ArgumentException($"{values.Length} values for a {rows}×{columns} matrix", nameof(values));
        var blocks = (columns + blockSize - 1) / blockSize;
        if (scales.Length != (long)rows * blocks) throw new ArgumentException($"{scales.Length} scales for {rows} rows of {blocks} blocks", nameof(scales));
        (Rows, Columns, Bits, BlockSize, Values, Scales) = (rows, columns, bits, blockSize, values, scales);
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>8: values in [−127, 127]; 4: values in [−8, 7] (stored by exporters as unsigned nibbles with zero point 8).</summary>
    public int Bits { get; }

    /// <summary>Columns per scale; equal to <see cref="Columns"/> for one scale per row (per-channel).</summary>
    public int BlockSize { get; }

    public int BlocksPerRow => (Columns + BlockSize - 1) / BlockSize;

    /// <summary>Row-major, <c>Rows × Columns</c>.</summary>
    public sbyte[] Values { get; }

    /// <summary>Row-major, <c>Rows × BlocksPerRow</c>, each a float16 value held as float32.</summary>
    public float[] Scales { get; }

    /// <summary>Whether every row uses one scale for all its columns (so any block size can express it exactly).</summary>
    public bool PerRow => BlocksPerRow == 1;

    /// <summary>The scale of column <paramref name="column"/> in row <paramref name="row"/>.</summary>
    public float ScaleAt(int row, int column) => Scales[row * BlocksPerRow + column / BlockSize];

    /// <summary>The matrix the integers stand for, row-major.</summary>
    public float[] Dequantize()
    {
        var result = new float[Values.Length];
        var blocks = BlocksPerRow;
        for (var r = 0; r < Rows; r++)
        {
            for (var b = 0; b < blocks; b++)
            {
                var scale = Scales[r * blocks + b];
                var end = Math.Min(Columns, (b + 1) * BlockSize);
                for (var c = b * BlockSize; c < end; c++) result[r * Columns + c] = Values[r * Columns + c] * scale;
            }
        }

        return result;
    }

    /// <summary>The dequantized matrix as a float32 tensor <c>[Rows, Columns]</c>.</summary>
    public Tensor ToTensor() => tensor(Dequantize(), [Rows, Columns]);

    /// <summary>Bytes the integers and float16 scales take when packed (4-bit values two to a byte).</summary>
    public long PackedBytes => (Bits == 4 ? ((long)Values.Length + 1) / 2 : Values.Length) + 2L * Scales.Length;

    /// <summary>Rounds <paramref name="scale"/> to the nearest float16, as every exporter stores it.</summary>
    public static float ToHalf(float scale) => (float)(Half)scale;
}
