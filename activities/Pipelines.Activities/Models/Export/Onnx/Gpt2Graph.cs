namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// <see cref="Gpt2"/> as an ONNX graph: token plus learned position embeddings, LayerNorm, attention from one fused
/// <c>c_attn</c> (Conv1D weights, already <c>[in, out]</c>), the MLP with GPT-2's activation (gelu_new: GELU's tanh
/// approximation), and the LM head tied to <c>wte</c>.
/// </summary>
internal static class Gpt2Graph
{
    public static void Build(Gpt2 model, DecoderGraph d)
    {
        var c = (Gpt2Config)model.Config;
        var g = d.Graph;
        var t = model.transformer;
        const string embeddingKey = "transformer.wte.weight";
        var (tokens, embedding) = d.Embedding(embeddingKey, t.wte.weight!, d.InputIds);
        var positionTable = d.Weight("transformer.wpe.weight", t.wpe.weight!);
        var x = g.Node("Add", [tokens, g.Node("Gather", [positionTable, d.Positions()])]);
        for (var i = 0; i < c.NLayer; i++)
        {
            var block = t.h[i];
            var prefix = $"transformer.h.{i}";
            var h = LayerNorm(d, x, $"{prefix}.ln_1", block.ln_1, c.LayerNormEpsilon);
            var qkv = d.Linear(h, $"{prefix}.attn.c_attn.weight", block.attn.c_attn);
            var parts = g.Node("Split", [qkv, g.Constant(c.NEmbd, c.NEmbd, c.NEmbd)], [$"{qkv}.q", $"{qkv}.k", $"{qkv}.v"], "", ("axis", -1L));
            var y = d.Attend(parts[0], parts[1], parts[2], i);
            x = g.Node("Add", [x, d.Linear(y, $"{prefix}.attn.c_proj.weight", block.attn.c_proj)]);

            h = LayerNorm(d, x, $"{prefix}.ln_2", block.ln_2, c.LayerNormEpsilon);
            var inner = Activation(g, d.Linear(h, $"{prefix}.mlp.c_fc.weight", block.mlp.c_fc), c.ActivationFunction);
            x = g.Node("Add", [x, d.Linear(inner, $"{prefix}.mlp.c_proj.weight", block.mlp.c_proj)]);
        }

        d.TiedHead(LayerNorm(d, x, "transformer.ln_f", t.ln_f, c.LayerNormEpsilon), embeddingKey, embedding);
        d.Logits(c.VocabSize);
    }

    private static string LayerNorm(DecoderGraph d, string x, string prefix, TorchSharp.Modules.LayerNorm norm, double eps)
    {
        var weight = d.Weight($"{prefix}.weight", norm.weight!);
        var bias = d.Weight($"{prefix}.bias", norm.bias!);
        return d.Graph.Node("LayerNormalization", [x, weight, bias], attributes: [("axis", -1L), ("epsilon", (float)eps)]);
    }

    /// <summary>The MLP's activation as <c>Gpt2Mlp</c> applies it; anything else is gelu_new.</summary>
    private static string Activation(OnnxGraph g, string x, string name)
    {
        switch (name)
        {
            case "relu":
                return g.Node("Relu", [x]);
            case "silu" or "swish":
                return g.Node("Mul", [x, g.Node("Sigmoid", [x])]);
            case "gelu":
                var erf = g.Node("Erf", [g.Node("Mul", [x, g.Scalar((float)(1 / Math.Sqrt(2)))])]);
                return g.Node("Mul", [g.Node("Mul", [x, g.Scalar(0.5f)]), g.Node("Add", [erf, g.Scalar(1f)])]);
            default:
                // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
                var cube = g.Node("Mul", [g.Node("Mul", [x, x]), x]);
                var inner = g.Node("Mul", [g.Node("Add", [x, g.Node("Mul", [cube, g.Scalar(0.044715f)])]), g.Scalar((float)Math.Sqrt(2 / Math.PI))]);
                return g.Node("Mul", [g.Node("Mul", [x, g.Scalar(0.5f)]), g.Node("Add", [g.Node("Tanh", [inner]), g.Scalar(1f)])]);
        }
    }
}
