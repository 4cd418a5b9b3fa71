namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// <see cref="Llama"/> as an ONNX graph, block for block as its forward reads: RMSNorm, rotary embedding in the
/// half-split (<c>rotate_half</c>) layout with <see cref="LlamaConfig.InverseFrequencies"/>, grouped-query attention,
/// SwiGLU, and the LM head (tied to the token embedding or not).
/// </summary>
internal static class LlamaGraph
{
    public static void Build(Llama model, DecoderGraph d)
    {
        var c = (LlamaConfig)model.Config;
        var g = d.Graph;
        const string embeddingKey = "model.embed_tokens.weight";
        var (x, embedding) = d.Embedding(embeddingKey, model.model.embed_tokens.weight!, d.InputIds);
        var (cos, sin) = Angles(d, c);
        for (var i = 0; i < c.NumHiddenLayers; i++)
        {
            var layer = model.model.layers[i];
            var prefix = $"model.layers.{i}";
            var attention = layer.self_attn;
            var h = RmsNorm(d, x, $"{prefix}.input_layernorm.weight", layer.input_layernorm, c.RmsNormEps);
            var q = Rotate(g, d.Linear(h, $"{prefix}.self_attn.q_proj.weight", attention.q_proj), c.NumAttentionHeads, cos, sin, c.HeadDimension);
            var k = Rotate(g, d.Linear(h, $"{prefix}.self_attn.k_proj.weight", attention.k_proj), c.KeyValueHeads, cos, sin, c.HeadDimension);
            var v = d.Linear(h, $"{prefix}.self_attn.v_proj.weight", attention.v_proj);
            x = g.Node("Add", [x, d.Linear(d.Attend(q, k, v, i), $"{prefix}.self_attn.o_proj.weight", attention.o_proj)]);

            h = RmsNorm(d, x, $"{prefix}.post_attention_layernorm.weight", layer.post_attention_layernorm, c.RmsNormEps);
            var gate = d.Linear(h, $"{prefix}.mlp.gate_proj.weight", layer.mlp.gate_proj);
            var swish = g.Node("Mul", [gate, g.Node("Sigmoid", [gate])]);
            var up = d.Linear(h, $"{prefix}.mlp.up_proj.weight", layer.mlp.up_proj);
            x = g.Node("Add", [x, d.Linear(g.Node("Mul", [swish, up]), $"{prefix}.mlp.down_proj.weight", layer.mlp.down_proj)]);
        }

        var final = RmsNorm(d, x, "model.norm.weight", model.model.norm, c.RmsNormEps);
        if (model.lm_head is null) d.TiedHead(final, embeddingKey, embedding);
        else g.Node("Identity", [d.Linear(final, "lm_head.weight", model.lm_head)], "logits");
        d.Logits(c.VocabSize);
    }

    /// <summary><c>weight · x / √(mean(x²) + ε)</c>.</summary>
    private static string RmsNorm(DecoderGraph d, string x, string key, RmsNorm norm, double eps)
    {
        var g = d.Graph;
        var meanSquare = g.Node("ReduceMean", [g.Node("Mul", [x, x])], attributes: [("axes", new long[] { -1 }), ("keepdims", 1L)]);
        var inverse = g.Node("Reciprocal", [g.Node("Sqrt", [g.Node("Add", [meanSquare, g.Scalar((float)eps)])])]);
        return g.Node("Mul", [d.Weight(key, norm.weight), g.Node("Mul", [x, inverse])]);
    }

    /// <summary>cos and sin <c>[batch, seq, 1, head_dim]</c> of the new tokens' positions, as <c>Rope.Angles</c> computes them.</summary>
    private static (string Cos, string Sin) Angles(DecoderGraph d, LlamaConfig c)
    {
        var g = d.Graph;
        var inverse = c.InverseFrequencies().Select(f => (float)f).ToArray();
        var positions = g.Node("Unsqueeze", [g.Node("Cast", [d.Positions()], attributes: [("to", (long)OnnxType.Float)]), g.Constant(-1)]);
        var freqs = g.Node("Mul", [positions, g.Constant(inverse, [inverse.Length], "inverse_frequencies")]);
        var angles = g.Node("Unsqueeze", [g.Node("Concat", [freqs, freqs], attributes: [("axis", -1L)]), g.Constant(2)]);
        return (g.Node("Cos", [angles]), g.Node("Sin", [angles]));
    }

    /// <summary>
    /// <c>x·cos + rotate_half(x)·sin</c> for each of the <paramref name="heads"/> heads of <paramref name="x"/>
    /// <c>[batch, seq, heads·head_dim]</c>, where <c>rotate_half([a, b]) = [−b, a]</c> over the two halves of a head.
    /// </summary>
    private static string Rotate(OnnxGraph g, string x, int heads, string cos, string sin, int headDim)
    {
        var half = headDim / 2;
        var split = g.Node("Reshape", [x, g.Constant(0, 0, heads, headDim)]);
        var halves = g.Node("Split", [split, g.Constant(half, half)], [$"{split}.first", $"{split}.second"], "", ("axis", -1L));
        var rotated = g.Node("Concat", [g.Node("Neg", [halves[1]]), halves[0]], attributes: [("axis", -1L)]);
        var y = g.Node("Add", [g.Node("Mul", [split, cos]), g.Node("Mul", [rotated, sin])]);
        return g.Node("Reshape", [y, g.Constant(0, 0, heads * headDim)]);
    }
}
