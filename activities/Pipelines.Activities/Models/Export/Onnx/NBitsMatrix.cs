using Pipelines.Activities.Models.Quantization;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// A <see cref="QuantizedMatrix"/> in the layout of ONNX Runtime's <c>MatMulNBits</c> and <c>GatherBlockQuantized</c>
/// (com.microsoft): for each of the N rows, ⌈K / block⌉ blocks of unsigned codes, packed low nibble first for 4 bits,
/// and one float32 scale per block. The codes are the signed values plus the operators' default zero point (8 for 4
/// bits, 128 for 8 bits), so no zero-point tensor is needed; a short last block is padded with the zero point (its
/// padding meets no input). Blocked matrices keep blocks of 32 (each of the matrix's blocks is a whole number of them);
/// a per-row scale is repeated in every block of 128 of its row, which holds the weights exactly. With int8
/// activations (accuracy_level 4) the activations are quantized per block too, so larger blocks round them more
/// coarsely: measured (bench/RESULTS.md, Deploy), blocks of 128 decoded the <c>small</c> preset's int8 export 6–14%
/// faster than blocks of 32 for a mean KL of 0.00017 nats against fp32 instead of 0.00012, top-1 agreement unchanged.
/// </summary>
internal sealed class NBitsMatrix
{
    /// <summary>The block of a matrix quantized in blocks (int4).</summary>
    public const int BlockedSize = 32;

    /// <summary>The block of a matrix with one scale per row (int8 per channel).</summary>
    public const int PerRowSize = 128;

    public NBitsMatrix(QuantizedMatrix matrix)
    {
        BlockSize = matrix.PerRow ? PerRowSize : BlockedSize;
        if (!matrix.PerRow && matrix.BlockSize % BlockSize != 0)
            throw new ArgumentException($"a block size of {matrix.BlockSize} cannot be expressed in ONNX Runtime's blocks of {BlockSize}");
        (Rows, Columns, Bits) = (matrix.Rows, matrix.Columns, matrix.Bits);
        Blocks = (Columns + BlockSize - 1) / BlockSize;
        var zeroPoint = 1 << (Bits - 1);
        Codes = new byte[(long)Rows * Blocks * BlobBytes];
        Scales = new float[Rows * Blocks];
        for (var r = 0; r < Rows; r++)
        {
            for (var b = 0; b < Blocks; b++)
            {
                Scales[r * Blocks + b] = matrix.ScaleAt(r, b * BlockSize);
                var blob = Codes.AsSpan((r * Blocks + b) * BlobBytes, BlobBytes);
                for (var i = 0; i < BlockSize; i++)
                {
                    var c = b * BlockSize + i;
                    var code = (byte)(c < Columns ? matrix.Values[r * Columns + c] + zeroPoint : zeroPoint);
                    if (Bits == 8) blob[i] = code;
                    else blob[i / 2] |= (byte)(i % 2 == 0 ? code : code << 4);
                }
            }
        }
    }

    /// <summary>Codes per block (the operators' <c>block_size</c>).</summary>
    public int BlockSize { get; }

    /// <summary>N: output channels (or tokens).</summary>
    public int Rows { get; }

    /// <summary>K: input channels (or the embedding width).</summary>
    public int Columns { get; }

    public int Bits { get; }

    public int Blocks { get; }

    /// <summary>Bytes of one block.</summary>
    public int BlobBytes => BlockSize * Bits / 8;

    /// <summary><c>[N, blocks, BlobBytes]</c> for MatMulNBits, read as <c>[N, blocks · BlobBytes]</c> by GatherBlockQuantized.</summary>
    public byte[] Codes { get; }

    /// <summary><c>[N, blocks]</c>.</summary>
    public float[] Scales { get; }
}
