namespace Pipelines.Activities.Models.Quantization;

/// <summary>The variants model.quantize makes, by name, and the round-to-nearest ones' matrices.</summary>
public static class QuantizationVariants
{
    public const string Fp32 = "fp32";
    public const string Int8 = "int8";
    public const string Int4 = "int4";
    public const string Int4Gptq = "int4-gptq";

    public static IReadOnlyList<string> Quantized { get; } = [Int8, Int4, Int4Gptq];

    /// <summary>Every matrix of <paramref name="model"/> rounded to nearest: <see cref="Int8"/> per channel or <see cref="Int4"/> in blocks.</summary>
    public static Dictionary<string, QuantizedMatrix> RoundToNearest(CausalLanguageModel model, string variant) =>
        QuantizedWeights.Matrices(model).ToDictionary(m => m.Key, m => variant switch
        {
            Int8 => WeightQuantizer.Int8PerChannel(m.RowMajor(), m.Rows, m.Columns),
            Int4 => WeightQuantizer.Int4Blocks(m.RowMajor(), m.Rows, m.Columns),
            _ => throw new ArgumentException($"'{variant}' is not a round-to-nearest variant ({Int8}, {Int4})", nameof(variant)),
        });
}
