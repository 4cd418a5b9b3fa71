namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// Round-to-nearest quantization of one row-major float matrix: int8 symmetric per output channel, and int4 in blocks
/// of 32 the way llama.cpp's <c>Q4_0</c> does it (the value of largest magnitude maps to −8, so the block uses the whole
/// range [−8, 7] and that value is exact). Calibration-based methods start from these scales.
/// </summary>
public static class WeightQuantizer
{
    public const int Int4BlockSize = 32;

    /// <summary>int8, one scale per row: <c>s = max|w| / 127</c> (rounded to float16), <c>q = round(w / s)</c> clamped to ±127.</summary>
    public static QuantizedMatrix Int8PerChannel(ReadOnlySpan<float> weights, int rows, int columns)
    {
        Check(weights, rows, columns);
        var values = new sbyte[weights.Length];
        var scales = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = weights.Slice(r * columns, columns);
            var max = 0f;
            foreach (var w in row) max = Math.Max(max, Math.Abs(w));
            var scale = QuantizedMatrix.ToHalf(max / 127f);
            scales[r] = scale;
            var inverse = scale == 0 ? 0 : 1 / scale;
            for (var c = 0; c < columns; c++) values[r * columns + c] = (sbyte)Math.Clamp(MathF.Round(row[c] * inverse), -127, 127);
        }

        return new QuantizedMatrix(rows, columns, 8, columns, values, scales);
    }

    /// <summary>int4 round-to-nearest in blocks of <see cref="Int4BlockSize"/> along each row (Q4_0's rule).</summary>
    public static QuantizedMatrix Int4Blocks(ReadOnlySpan<float> weights, int rows, int columns)
    {
        Check(weights, rows, columns);
        var blocks = (columns + Int4BlockSize - 1) / Int4BlockSize;
        var values = new sbyte[weights.Length];
        var scales = new float[rows * blocks];
        for (var r = 0; r < rows; r++)
        {
            for (var b = 0; b < blocks; b++)
            {
                var start = b * Int4BlockSize;
                var block = weights.Slice(r * columns + start, Math.Min(Int4BlockSize, columns - start));
                var scale = Int4Scale(block);
                scales[r * blocks + b] = scale;
                for (var i = 0; i < block.Length; i++) values[r * columns + start + i] = Int4Code(block[i], scale);
            }
        }

        return new QuantizedMatrix(rows, columns, 4, Int4BlockSize, values, scales);
    }

    /// <summary>The Q4_0 scale of a block: its signed value of largest magnitude divided by −8, rounded to float16.</summary>
    public static float Int4Scale(ReadOnlySpan<float> block)
    {
        var extreme = 0f;
        foreach (var w in block)
        {
            if (Math.Abs(w) > Math.Abs(extreme)) extreme = w;
        }

        return QuantizedMatrix.ToHalf(extreme / -8f);
    }

    /// <summary>The int4 code of <paramref name="weight"/> under <paramref name="scale"/>: <c>round(w / s)</c> clamped to [−8, 7].</summary>
    public static sbyte Int4Code(float weight, float scale) =>
        scale == 0 ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(weight / scale), -8, 7);

    private static void Check(ReadOnlySpan<float> weights, int rows, int columns)
    {
        if (rows <= 0 || columns <= 0 || weights.Length != (long)rows * columns)
            throw new ArgumentException($"{weights.Length} weights do not make a {rows}×{columns} matrix", nameof(weights));
    }
}
