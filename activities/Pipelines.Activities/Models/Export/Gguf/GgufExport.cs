using Pipelines.Activities.Models.Quantization;

namespace Pipelines.Activities.Models.Export.Gguf;

/// <summary>The weight type of a GGUF export (llama.cpp's <c>general.file_type</c>: all F32, mostly F16, Q8_0 or Q4_0).</summary>
public enum GgufType
{
    F32,
    F16,
    Q8_0,
    Q4_0,
}

/// <summary>A written GGUF file: where, how many bytes, and the tensors written in another type than asked (name → type).</summary>
public sealed record GgufExportResult(string Path, long Bytes, IReadOnlyDictionary<string, GgmlType> FellBack);

/// <summary>
/// Writes a Llama or GPT-2 model and its tokenizer as a GGUF file llama.cpp runs. The matrices a quantized variant
/// replaces (<see cref="QuantizedWeights.Matrices"/>) take the asked type; norms, biases and GPT-2's position embedding
/// stay F32. For Q8_0 and Q4_0, a matrix given in <c>quantized</c> is written as its very integers and scales (int8 per
/// channel is Q8_0 with the row's scale in every block; int4 in blocks of 32 is Q4_0), so llama.cpp computes with the
/// weights our evaluation measured; other matrices are quantized here by llama.cpp's rules. Rows that are not whole
/// blocks of 32 cannot be Q8_0/Q4_0 and are written F16, as llama.cpp's quantize tool falls back, and reported.
/// </summary>
public static class GgufExport
{
    public static GgufExportResult Write(CausalLanguageModel model, TextTokenizer tokenizer, GgufType type, IReadOnlyDictionary<string, QuantizedMatrix>? quantized, string path)
    {
        quantized ??= new Dictionary<string, QuantizedMatrix>();
        var matrices = QuantizedWeights.Matrices(model).Select(m => m.Key).ToHashSet(StringComparer.Ordinal);
        if (quantized.Count > 0 && type is GgufType.F32 or GgufType.F16)
            throw new ArgumentException($"quantized matrices are written as Q8_0 or Q4_0, not {type}", nameof(quantized));
        if (quantized.Keys.FirstOrDefault(k => !matrices.Contains(k)) is { } unknown)
            throw new ArgumentException($"quantized holds {unknown}, which is not a matrix of this model", nameof(quantized));

        var (architecture, hyperparameters, tensors) = GgufArchitectures.Of(model);
        var writer = new GgufWriter()
            .Add("general.architecture", architecture)
            .Add("general.name", Path.GetFileNameWithoutExtension(path))
            .Add("general.file_type", FileType(type));
        foreach (var (key, value) in hyperparameters.Concat(GgufVocabulary.Metadata(tokenizer, model.Config.VocabSize))) writer.Add(key, value);

        var fellBack = new Dictionary<string, GgmlType>(StringComparer.Ordinal);
        foreach (var source in tensors)
        {
            var matrix = new QuantizableMatrix(source.Key, source.Weight, source.Transposed);
            if (source.Weight.dim() == 1 || !matrices.Contains(source.Key))
            {
                writer.AddTensor(source.Name, source.Weight.shape.Reverse().ToArray(), GgmlType.F32, () => GgmlBlocks.F32(matrix.RowMajor()));
                continue;
            }

            var given = quantized.GetValueOrDefault(source.Key);
            var wanted = TypeOf(type, source.Key, given, matrix);
            var written = wanted is GgmlType.Q8_0 or GgmlType.Q4_0 && !(given is null ? matrix.Columns % GgmlBlocks.BlockSize == 0 : GgmlBlocks.FitsBlocks(given))
                ? GgmlType.F16
                : wanted;
            if (written != wanted) fellBack[source.Name] = written;
            writer.AddTensor(source.Name, [matrix.Columns, matrix.Rows], written, () => Data(source, matrix, given, written));
        }

        return new GgufExportResult(path, writer.Write(path), fellBack);
    }

    private static uint FileType(GgufType type) => type switch
    {
        GgufType.F32 => 0,
        GgufType.F16 => 1,
        GgufType.Q4_0 => 2,
        _ => 7,
    };

    private static GgmlType TypeOf(GgufType type, string key, QuantizedMatrix? given, QuantizableMatrix matrix)
    {
        var wanted = type switch
        {
            GgufType.F32 => GgmlType.F32,
            GgufType.F16 => GgmlType.F16,
            GgufType.Q8_0 => GgmlType.Q8_0,
            _ => GgmlType.Q4_0,
        };
        if (given is null) return wanted;
        if (given.Rows != matrix.Rows || given.Columns != matrix.Columns)
            throw new ArgumentException($"{key} is {matrix.Rows}×{matrix.Columns} but its quantized matrix is {given.Rows}×{given.Columns}");
        if ((given.Bits == 8) != (wanted == GgmlType.Q8_0))
            throw new ArgumentException($"{key} is quantized to {given.Bits} bits, which {wanted} does not hold (Q8_0 holds int8, Q4_0 int4)");
        return wanted;
    }

    /// <summary>The bytes of one matrix: the given integers, or the float weights quantized or rounded here.</summary>
    private static byte[] Data(GgufSource source, QuantizableMatrix matrix, QuantizedMatrix? given, GgmlType type)
    {
        if (given is not null)
        {
            return type == GgmlType.F16
                ? GgmlBlocks.F16(Ordered(source, given.Dequantize(), given.Columns))
                : GgmlBlocks.Pack(Ordered(source, given));
        }

        var weights = Ordered(source, matrix.RowMajor(), matrix.Columns);
        var (rows, columns) = (matrix.Rows, matrix.Columns);
        return type switch
        {
            GgmlType.F32 => GgmlBlocks.F32(weights),
            GgmlType.F16 => GgmlBlocks.F16(weights),
            // Q8_0's rule is int8 round-to-nearest with one scale per block of 32: per-channel over rows of 32.
            GgmlType.Q8_0 when WeightQuantizer.Int8PerChannel(weights, rows * columns / GgmlBlocks.BlockSize, GgmlBlocks.BlockSize) is var q =>
                GgmlBlocks.Pack(new QuantizedMatrix(rows, columns, 8, GgmlBlocks.BlockSize, q.Values, q.Scales)),
            _ => GgmlBlocks.Pack(WeightQuantizer.Int4Blocks(weights, rows, columns)),
        };
    }

    /// <summary>
    /// Row <c>i</c> of the file's tensor is row <c>RopeOrder[i]</c> of the checkpoint's. HF's Llama rotates dimension
    /// p of a head with p + d/2; llama.cpp's with its neighbour: within each head, rows (p, p + d/2) become (2p, 2p + 1),
    /// the permutation llama.cpp's converter applies to q (query heads) and k (key/value heads).
    /// </summary>
    private static int[] RopeOrder(int rows, int heads)
    {
        var d = rows / heads;
        var order = new int[rows];
        for (var h = 0; h < heads; h++)
        {
            for (var p = 0; p < d / 2; p++)
            {
                order[h * d + 2 * p] = h * d + p;
                order[h * d + 2 * p + 1] = h * d + d / 2 + p;
            }
        }

        return order;
    }

    private static float[] Ordered(GgufSource source, float[] rowMajor, int columns)
    {
        if (source.RopeHeads == 0) return rowMajor;
        var order = RopeOrder(rowMajor.Length / columns, source.RopeHeads);
        var result = new float[rowMajor.Length];
        for (var r = 0; r < order.Length; r++) Array.Copy(rowMajor, order[r] * columns, result, r * columns, columns);
        return result;
    }

    private static QuantizedMatrix Ordered(GgufSource source, QuantizedMatrix matrix)
    {
        if (source.RopeHeads == 0) return matrix;
        var order = RopeOrder(matrix.Rows, source.RopeHeads);
        var (columns, blocks) = (matrix.Columns, matrix.BlocksPerRow);
        var values = new sbyte[matrix.Values.Length];
        var scales = new float[matrix.Scales.Length];
        for (var r = 0; r < order.Length; r++)
        {
            Array.Copy(matrix.Values, order[r] * columns, values, r * columns, columns);
            Array.Copy(matrix.Scales, order[r] * blocks, scales, r * blocks, blocks);
        }

        return new QuantizedMatrix(matrix.Rows, columns, matrix.Bits, matrix.BlockSize, values, scales);
    }
}
