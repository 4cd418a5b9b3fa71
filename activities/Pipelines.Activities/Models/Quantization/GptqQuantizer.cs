using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// GPTQ (Frantar et al., 2022) for one linear layer, into int4 blocks of 32 exactly as <see cref="WeightQuantizer.Int4Blocks"/>
/// lays them out (Q4_0's scale rule, float16 scales), so every exporter writes its result unchanged. Round-to-nearest
/// minimises the error of each weight; GPTQ minimises the error of the layer's output on calibration inputs,
/// <c>‖XWᵀ − XŴᵀ‖²</c>, by quantizing one input column at a time and spreading its rounding error over the columns
/// not yet quantized, weighted by the inverse Hessian <c>H = 2·XᵀX</c>.
/// </summary>
public static class GptqQuantizer
{
    /// <summary>Columns quantized before their accumulated error reaches the rest of the matrix in one matrix product (GPTQ's lazy batch).</summary>
    private const int LazyBatch = 128;

    /// <summary>
    /// Quantizes the row-major <c>[rows, columns]</c> <paramref name="weights"/> (rows are output channels) given the
    /// <c>[columns, columns]</c> <paramref name="hessian"/> of the layer's inputs. <paramref name="dampening"/> × the mean
    /// diagonal is added to the diagonal so the Cholesky factorisation exists when inputs are (nearly) collinear. Columns
    /// whose input is always zero have no effect on the output and quantize to zero.
    /// </summary>
    public static QuantizedMatrix Int4(ReadOnlySpan<float> weights, int rows, int columns, Tensor hessian, double dampening = 0.01)
    {
        if (weights.Length != (long)rows * columns) throw new ArgumentException($"{weights.Length} weights do not make a {rows}×{columns} matrix", nameof(weights));
        if (!hessian.shape.SequenceEqual([columns, columns])) throw new ArgumentException($"the Hessian is [{string.Join(", ", hessian.shape)}], not [{columns}, {columns}]", nameof(hessian));
        ArgumentOutOfRangeException.ThrowIfNegative(dampening);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var h = hessian.to(ScalarType.Float32).cpu().clone();
        var w = tensor(weights.ToArray(), [rows, columns]);
        var dead = h.diagonal().eq(0);
        h.add_(diag(dead.to(ScalarType.Float32)));
        w.masked_fill_(dead.unsqueeze(0), 0);
        h.add_(eye(columns).mul_(dampening * h.diagonal().mean().item<float>()));

        // The upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU): row i of U, divided by U[i, i], says how the error of column i
        // is best compensated by the columns after it, given that the columns before it are already fixed.
        var u = linalg.cholesky(linalg.cholesky(h).cholesky_inverse()).t().contiguous();
        var factor = u.data<float>().ToArray();

        var blocks = (columns + WeightQuantizer.Int4BlockSize - 1) / WeightQuantizer.Int4BlockSize;
        var values = new sbyte[rows * columns];
        var scales = new float[rows * blocks];
        for (var start = 0; start < columns; start += LazyBatch)
        {
            var count = Math.Min(LazyBatch, columns - start);
            var batch = w[.., start..(start + count)].contiguous().data<float>().ToArray();
            var errors = new float[rows * count];
            QuantizeBatch(batch, errors, rows, columns, start, count, factor, values, scales, blocks);
            if (start + count < columns)
            {
                var rest = w[.., (start + count)..];
                rest.sub_(tensor(errors, [rows, count]).matmul(u[start..(start + count), (start + count)..]));
            }
        }

        return new QuantizedMatrix(rows, columns, 4, WeightQuantizer.Int4BlockSize, values, scales);
    }

    /// <summary>
    /// Quantizes columns <c>[start, start + count)</c>, held row-major in <paramref name="batch"/>, one at a time: a
    /// block's scale is taken when its first column is reached, from the weights as earlier errors left them; each
    /// column's scaled error goes into <paramref name="errors"/> and onto the later columns of the batch.
    /// </summary>
    private static void QuantizeBatch(float[] batch, float[] errors, int rows, int columns, int start, int count, float[] factor,
        sbyte[] values, float[] scales, int blocks)
    {
        for (var j = 0; j < count; j++)
        {
            var column = start + j;
            var block = column / WeightQuantizer.Int4BlockSize;
            if (column % WeightQuantizer.Int4BlockSize == 0)
            {
                var length = Math.Min(WeightQuantizer.Int4BlockSize, columns - column);
                for (var r = 0; r < rows; r++) scales[r * blocks + block] = WeightQuantizer.Int4Scale(batch.AsSpan(r * count + j, length));
            }

            var diagonal = factor[column * columns + column];
            for (var r = 0; r < rows; r++)
            {
                var weight = batch[r * count + j];
                var scale = scales[r * blocks + block];
                var code = WeightQuantizer.Int4Code(weight, scale);
                values[r * columns + column] = code;
                var error = (weight - code * scale) / diagonal;
                errors[r * count + j] = error;
                for (var k = j + 1; k < count; k++) batch[r * count + k] -= error * factor[column * columns + start + k];
            }
        }
    }
}
