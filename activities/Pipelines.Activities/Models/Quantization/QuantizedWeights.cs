using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Quantization;

/// <summary>A matrix of a model that quantization replaces: its checkpoint key and its weight tensor.</summary>
/// <param name="Key">The checkpoint key, e.g. <c>model.layers.0.mlp.down_proj.weight</c> or <c>transformer.wte.weight</c>.</param>
/// <param name="Weight">The parameter itself (<c>[out, in]</c>, or <c>[in, out]</c> when <paramref name="Transposed"/>).</param>
/// <param name="Transposed">GPT-2's Conv1D weights, stored <c>[in, out]</c>; quantized matrices are always <c>[out, in]</c>.</param>
public sealed record QuantizableMatrix(string Key, Tensor Weight, bool Transposed)
{
    public int Rows => (int)(Transposed ? Weight.shape[1] : Weight.shape[0]);

    public int Columns => (int)(Transposed ? Weight.shape[0] : Weight.shape[1]);

    /// <summary>The weight as float32, row-major in the <c>[out, in]</c> layout.</summary>
    public float[] RowMajor() => Floats(Transposed ? Weight.t() : Weight);

    /// <summary>Any tensor's values as float32, row-major, copied to managed memory (whatever its dtype and device).</summary>
    public static float[] Floats(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().to(ScalarType.Float32).contiguous().cpu().data<float>().ToArray();
    }
}

/// <summary>
/// Which weights a quantized variant replaces, and putting the dequantized values back into a model so TorchSharp can
/// measure what quantization did. Every learned linear map (<see cref="Projection"/>, the LM head included when it is
/// not tied) and the token embedding are quantized; norms, biases and GPT-2's position embedding stay float32.
/// </summary>
public static class QuantizedWeights
{
    /// <summary>The matrices of <paramref name="model"/> a quantized variant replaces, in module order.</summary>
    public static IReadOnlyList<QuantizableMatrix> Matrices(CausalLanguageModel model)
    {
        var result = new List<QuantizableMatrix>();
        foreach (var (name, module) in model.named_modules())
        {
            switch (module)
            {
                case Projection p:
                    result.Add(new QuantizableMatrix($"{name}.weight", p.weight, p.FanInFanOut));
                    break;
                case Embedding e when name.EndsWith("embed_tokens", StringComparison.Ordinal) || name.EndsWith("wte", StringComparison.Ordinal):
                    result.Add(new QuantizableMatrix($"{name}.weight", e.weight!, false));
                    break;
            }
        }

        return result;
    }

    /// <summary>
    /// Overwrites the weights of <paramref name="model"/> named in <paramref name="quantized"/> with their dequantized
    /// values (a float32 model that computes what the quantized one does, up to arithmetic order).
    /// </summary>
    public static void Apply(CausalLanguageModel model, IReadOnlyDictionary<string, QuantizedMatrix> quantized)
    {
        using var noGrad = no_grad();
        foreach (var matrix in Matrices(model))
        {
            if (!quantized.TryGetValue(matrix.Key, out var q)) continue;
            if (q.Rows != matrix.Rows || q.Columns != matrix.Columns)
                throw new ArgumentException($"{matrix.Key} is {matrix.Rows}×{matrix.Columns} but its quantized matrix is {q.Rows}×{q.Columns}");
            using var values = q.ToTensor();
            matrix.Weight.copy_(matrix.Transposed ? values.t() : values);
        }
    }
}
