using Pipelines.Activities.Models;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Models;

/// <summary>
/// Each architecture's logits against an independent float64 implementation written here with plain arrays (no
/// TorchSharp modules), from the same weights: the math of HF's modeling_llama.py and modeling_gpt2.py, once more.
/// </summary>
public sealed class ReferenceForwardTests
{
    private static readonly long[] Tokens = [3, 17, 5, 5, 38, 0, 21, 9];

    [Theory]
    [InlineData(true, "llama", false)]
    [InlineData(false, "llama", false)]
    [InlineData(false, "llama", true)]
    [InlineData(true, "qwen2", false)]
    public void Llama_logits_match_a_float64_reference(bool tied, string modelType, bool attentionBias)
    {
        var config = TinyModels.LlamaConfig(tied, modelType, attentionBias: attentionBias);
        using var model = TinyModels.Random(config);
        var weights = Weights(model);

        using var logits = model.Forward(TinyModels.Ids(Tokens));

        var expected = LlamaReference(config, weights, Tokens);
        AssertClose(expected, logits, 1e-4);
    }

    [Fact]
    public void Gpt2_logits_match_a_float64_reference()
    {
        var config = TinyModels.Gpt2Config();
        using var model = TinyModels.Random(config);
        var weights = Weights(model);

        using var logits = model.Forward(TinyModels.Ids(Tokens));

        AssertClose(Gpt2Reference(config, weights, Tokens), logits, 1e-4);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void A_left_padded_row_gets_the_logits_it_gets_alone(string architecture)
    {
        using var model = TinyModels.Random(architecture == "llama" ? TinyModels.LlamaConfig() : TinyModels.Gpt2Config());
        long[] shortRow = [4, 8, 15, 16];

        using var alone = model.Forward(TinyModels.Ids(shortRow));
        using var batch = model.Forward(TinyModels.Ids([0, 0, 0, 0, .. shortRow], Tokens), TinyModels.Ids([0, 0, 0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]));

        Assert.True(TinyModels.MaxDifference(alone[0], batch[0].narrow(0, 4, 4)) < 1e-5);
        using var full = model.Forward(TinyModels.Ids(Tokens));
        Assert.True(TinyModels.MaxDifference(full[0], batch[1]) < 1e-5);
    }

    private static Dictionary<string, (double[] Data, long[] Shape)> Weights(CausalLanguageModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => (p.parameter.to(ScalarType.Float64).data<double>().ToArray(), p.parameter.shape));

    private static void AssertClose(double[,] expected, Tensor logits, double tolerance)
    {
        var actual = logits[0].to(ScalarType.Float64).data<double>().ToArray();
        var columns = expected.GetLength(1);
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0.0;
        for (var i = 0; i < expected.GetLength(0); i++)
        {
            for (var j = 0; j < columns; j++) worst = Math.Max(worst, Math.Abs(expected[i, j] - actual[i * columns + j]));
        }

        Assert.True(worst < tolerance, $"largest difference {worst}");
    }

    // ---- Llama in float64 ----

    private static double[,] LlamaReference(LlamaConfig c, Dictionary<string, (double[] Data, long[] Shape)> w, long[] tokens)
    {
        var (n, hidden, heads, kvHeads, headDim) = (tokens.Length, c.HiddenSize, c.NumAttentionHeads, c.KeyValueHeads, c.HeadDimension);
        var x = Rows(w["model.embed_tokens.weight"], tokens);
        const string layer = "model.layers.0.";
        var h = RmsNorm(x, w[layer + "input_layernorm.weight"].Data, c.RmsNormEps);
        var bias = c.QkvBias;
        var q = Linear(h, w[layer + "self_attn.q_proj.weight"], bias ? w[layer + "self_attn.q_proj.bias"].Data : null);
        var k = Linear(h, w[layer + "self_attn.k_proj.weight"], bias ? w[layer + "self_attn.k_proj.bias"].Data : null);
        var v = Linear(h, w[layer + "self_attn.v_proj.weight"], bias ? w[layer + "self_attn.v_proj.bias"].Data : null);
        Rotate(q, heads, headDim, c.Theta);
        Rotate(k, kvHeads, headDim, c.Theta);
        var attention = new double[n, heads * headDim];
        for (var head = 0; head < heads; head++)
        {
            Attend(q, k, v, attention, head, head / (heads / kvHeads), headDim);
        }

        var o = Linear(attention, w[layer + "self_attn.o_proj.weight"], c.OutputBias ? w[layer + "self_attn.o_proj.bias"].Data : null);
        x = Add(x, o);
        var h2 = RmsNorm(x, w[layer + "post_attention_layernorm.weight"].Data, c.RmsNormEps);
        var gate = Linear(h2, w[layer + "mlp.gate_proj.weight"], null);
        var up = Linear(h2, w[layer + "mlp.up_proj.weight"], null);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < gate.GetLength(1); j++) gate[i, j] = gate[i, j] / (1 + Math.Exp(-gate[i, j])) * up[i, j];
        }

        x = Add(x, Linear(gate, w[layer + "mlp.down_proj.weight"], null));
        x = RmsNorm(x, w["model.norm.weight"].Data, c.RmsNormEps);
        return Linear(x, c.TieWordEmbeddings ? w["model.embed_tokens.weight"] : w["lm_head.weight"], null);
    }

    /// <summary>HF's rotate_half RoPE: dimension i pairs with i + d/2, angle position · θ^(−2i/d).</summary>
    private static void Rotate(double[,] m, int heads, int headDim, double theta)
    {
        var half = headDim / 2;
        for (var t = 0; t < m.GetLength(0); t++)
        {
            for (var head = 0; head < heads; head++)
            {
                for (var i = 0; i < half; i++)
                {
                    var angle = t * Math.Pow(theta, -2.0 * i / headDim);
                    var (a, b) = (m[t, head * headDim + i], m[t, head * headDim + i + half]);
                    m[t, head * headDim + i] = a * Math.Cos(angle) - b * Math.Sin(angle);
                    m[t, head * headDim + i + half] = b * Math.Cos(angle) + a * Math.Sin(angle);
                }
            }
        }
    }

    private static double[,] RmsNorm(double[,] x, double[] weight, double eps)
    {
        var y = new double[x.GetLength(0), x.GetLength(1)];
        for (var i = 0; i < x.GetLength(0); i++)
        {
            var meanSquare = 0.0;
            for (var j = 0; j < x.GetLength(1); j++) meanSquare += x[i, j] * x[i, j];
            var scale = 1 / Math.Sqrt(meanSquare / x.GetLength(1) + eps);
            for (var j = 0; j < x.GetLength(1); j++) y[i, j] = x[i, j] * scale * weight[j];
        }

        return y;
    }

    // ---- GPT-2 in float64 ----

    private static double[,] Gpt2Reference(Gpt2Config c, Dictionary<string, (double[] Data, long[] Shape)> w, long[] tokens)
    {
        var (n, e, heads) = (tokens.Length, c.NEmbd, c.NHead);
        var x = Add(Rows(w["transformer.wte.weight"], tokens), Rows(w["transformer.wpe.weight"], Enumerable.Range(0, n).Select(i => (long)i).ToArray()));
        const string block = "transformer.h.0.";
        var h = LayerNorm(x, w[block + "ln_1.weight"].Data, w[block + "ln_1.bias"].Data, c.LayerNormEpsilon);
        var qkv = Conv1D(h, w[block + "attn.c_attn.weight"], w[block + "attn.c_attn.bias"].Data);
        var (q, k, v) = (Columns(qkv, 0, e), Columns(qkv, e, e), Columns(qkv, 2 * e, e));
        var attention = new double[n, e];
        for (var head = 0; head < heads; head++) Attend(q, k, v, attention, head, head, e / heads);
        x = Add(x, Conv1D(attention, w[block + "attn.c_proj.weight"], w[block + "attn.c_proj.bias"].Data));
        var h2 = LayerNorm(x, w[block + "ln_2.weight"].Data, w[block + "ln_2.bias"].Data, c.LayerNormEpsilon);
        var inner = Conv1D(h2, w[block + "mlp.c_fc.weight"], w[block + "mlp.c_fc.bias"].Data);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < inner.GetLength(1); j++)
            {
                var a = inner[i, j];
                inner[i, j] = 0.5 * a * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
            }
        }

        x = Add(x, Conv1D(inner, w[block + "mlp.c_proj.weight"], w[block + "mlp.c_proj.bias"].Data));
        x = LayerNorm(x, w["transformer.ln_f.weight"].Data, w["transformer.ln_f.bias"].Data, c.LayerNormEpsilon);
        return Linear(x, w["transformer.wte.weight"], null);
    }

    private static double[,] LayerNorm(double[,] x, double[] weight, double[] bias, double eps)
    {
        var (n, d) = (x.GetLength(0), x.GetLength(1));
        var y = new double[n, d];
        for (var i = 0; i < n; i++)
        {
            var mean = 0.0;
            for (var j = 0; j < d; j++) mean += x[i, j] / d;
            var variance = 0.0;
            for (var j = 0; j < d; j++) variance += (x[i, j] - mean) * (x[i, j] - mean) / d;
            for (var j = 0; j < d; j++) y[i, j] = (x[i, j] - mean) / Math.Sqrt(variance + eps) * weight[j] + bias[j];
        }

        return y;
    }

    // ---- shared pieces ----

    /// <summary>Causal softmax attention of one query head against its key/value head, scaled by 1/√d.</summary>
    private static void Attend(double[,] q, double[,] k, double[,] v, double[,] output, int head, int kvHead, int headDim)
    {
        var n = q.GetLength(0);
        for (var t = 0; t < n; t++)
        {
            var scores = new double[t + 1];
            for (var u = 0; u <= t; u++)
            {
                for (var i = 0; i < headDim; i++) scores[u] += q[t, head * headDim + i] * k[u, kvHead * headDim + i];
                scores[u] /= Math.Sqrt(headDim);
            }

            var max = scores.Max();
            var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
            var total = weights.Sum();
            for (var u = 0; u <= t; u++)
            {
                for (var i = 0; i < headDim; i++) output[t, head * headDim + i] += weights[u] / total * v[u, kvHead * headDim + i];
            }
        }
    }

    /// <summary>x·Wᵀ + b with W stored (out, in), as nn.Linear.</summary>
    private static double[,] Linear(double[,] x, (double[] Data, long[] Shape) w, double[]? bias)
    {
        var (n, outputs, inputs) = (x.GetLength(0), (int)w.Shape[0], (int)w.Shape[1]);
        var y = new double[n, outputs];
        for (var i = 0; i < n; i++)
        {
            for (var o = 0; o < outputs; o++)
            {
                var sum = bias?[o] ?? 0;
                for (var j = 0; j < inputs; j++) sum += x[i, j] * w.Data[o * inputs + j];
                y[i, o] = sum;
            }
        }

        return y;
    }

    /// <summary>x·W + b with W stored (in, out), as GPT-2's Conv1D.</summary>
    private static double[,] Conv1D(double[,] x, (double[] Data, long[] Shape) w, double[] bias)
    {
        var (n, inputs, outputs) = (x.GetLength(0), (int)w.Shape[0], (int)w.Shape[1]);
        var y = new double[n, outputs];
        for (var i = 0; i < n; i++)
        {
            for (var o = 0; o < outputs; o++)
            {
                var sum = bias[o];
                for (var j = 0; j < inputs; j++) sum += x[i, j] * w.Data[j * outputs + o];
                y[i, o] = sum;
            }
        }

        return y;
    }

    private static double[,] Rows((double[] Data, long[] Shape) table, long[] ids)
    {
        var d = (int)table.Shape[1];
        var y = new double[ids.Length, d];
        for (var i = 0; i < ids.Length; i++)
        {
            for (var j = 0; j < d; j++) y[i, j] = table.Data[ids[i] * d + j];
        }

        return y;
    }

    private static double[,] Columns(double[,] x, int start, int count)
    {
        var y = new double[x.GetLength(0), count];
        for (var i = 0; i < x.GetLength(0); i++)
        {
            for (var j = 0; j < count; j++) y[i, j] = x[i, start + j];
        }

        return y;
    }

    private static double[,] Add(double[,] a, double[,] b)
    {
        var y = new double[a.GetLength(0), a.GetLength(1)];
        for (var i = 0; i < a.GetLength(0); i++)
        {
            for (var j = 0; j < a.GetLength(1); j++) y[i, j] = a[i, j] + b[i, j];
        }

        return y;
    }
}
