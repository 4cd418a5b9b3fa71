using Pipelines.Activities.Models.Quantization;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Deploy;

/// <summary>Round-to-nearest error bounds, GPTQ against round-to-nearest, and the quality metrics on logits one can check by hand.</summary>
public sealed class QuantizationTests
{
    private static float[] Gaussian(int count, int seed, double std = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(std * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray();
    }

    [Fact]
    public void Int4_blocks_round_every_weight_within_half_a_step_and_the_shorter_tail_block_has_its_own_scale()
    {
        const int rows = 3, columns = 40;
        var weights = Gaussian(rows * columns, seed: 1);
        for (var c = 32; c < columns; c++) weights[2 * columns + c] *= 100;
        var q = WeightQuantizer.Int4Blocks(weights, rows, columns);
        var restored = q.Dequantize();

        Assert.Equal((2, 32, 4), (q.BlocksPerRow, q.BlockSize, q.Bits));
        for (var i = 0; i < weights.Length; i++)
        {
            var scale = q.ScaleAt(i / columns, i % columns);
            Assert.InRange(q.Values[i], -8, 7);
            if (weights[i] / scale <= 7.5f) Assert.True(Math.Abs(weights[i] - restored[i]) <= Math.Abs(scale) / 2 * (1 + 1e-6), $"weight {i}");
        }

        var tail = weights.AsSpan(2 * columns + 32, 8);
        Assert.Equal(WeightQuantizer.Int4Scale(tail), q.ScaleAt(2, 32));
        Assert.True(Math.Abs(q.ScaleAt(2, 32)) > 50 * Math.Abs(q.ScaleAt(2, 0)));
    }

    [Fact]
    public void The_extreme_of_a_q4_0_block_is_exact_and_a_zero_block_stays_zero()
    {
        var weights = new float[64];
        for (var i = 0; i < 32; i++) weights[i] = (i - 12) / 10f;
        weights[5] = 4f;
        var q = WeightQuantizer.Int4Blocks(weights, 1, 64);
        var restored = q.Dequantize();

        Assert.Equal(-0.5f, q.Scales[0]);
        Assert.Equal(-8, q.Values[5]);
        Assert.Equal(4f, restored[5]);
        Assert.Equal(0f, q.Scales[1]);
        Assert.All(restored[32..], w => Assert.Equal(0f, w));
    }

    [Fact]
    public void Int8_per_channel_rounds_every_weight_within_half_a_step_of_its_row()
    {
        const int rows = 4, columns = 50;
        var weights = Gaussian(rows * columns, seed: 2);
        for (var c = 0; c < columns; c++) weights[columns + c] *= 0.001f;
        var q = WeightQuantizer.Int8PerChannel(weights, rows, columns);
        var restored = q.Dequantize();

        Assert.True(q.PerRow);
        for (var i = 0; i < weights.Length; i++)
        {
            Assert.InRange(q.Values[i], -127, 127);
            Assert.True(Math.Abs(weights[i] - restored[i]) <= q.Scales[i / columns] / 2 * (1 + 1e-6), $"weight {i}");
        }

        Assert.True(q.Scales[1] < q.Scales[0] / 100);
    }

    [Fact]
    public void Gptq_has_a_smaller_layer_output_error_than_round_to_nearest_on_correlated_inputs()
    {
        const int rows = 24, columns = 72, samples = 600;
        // Inputs with strong correlations between columns: a few shared factors plus a little noise of their own.
        var factors = tensor(Gaussian(samples * 6, seed: 3), [samples, 6]);
        var mixing = tensor(Gaussian(6 * columns, seed: 4), [6, columns]);
        var x = factors.matmul(mixing).add(tensor(Gaussian(samples * columns, seed: 5, std: 0.1), [samples, columns]));
        var weights = Gaussian(rows * columns, seed: 6, std: 0.05);
        using var hessian = new InputHessian(columns);
        hessian.Add(x[..300]);
        hessian.Add(x[300..]);

        var gptq = GptqQuantizer.Int4(weights, rows, columns, hessian.Hessian());
        var rtn = WeightQuantizer.Int4Blocks(weights, rows, columns);

        var exact = x.matmul(tensor(weights, [rows, columns]).t());
        double Error(QuantizedMatrix q) => x.matmul(q.ToTensor().t()).sub(exact).norm().item<float>();
        Assert.Equal((4, 32, 3), (gptq.Bits, gptq.BlockSize, gptq.BlocksPerRow));
        Assert.All(gptq.Values, v => Assert.InRange(v, -8, 7));
        Assert.All(gptq.Scales, s => Assert.Equal(QuantizedMatrix.ToHalf(s), s));
        Assert.True(Error(gptq) < 0.8 * Error(rtn), $"GPTQ {Error(gptq)}, round-to-nearest {Error(rtn)}");
    }

    [Fact]
    public void Identical_logits_have_zero_kl_full_agreement_and_uniform_logits_have_the_vocabulary_as_perplexity()
    {
        var quality = new QuantizationQuality();
        quality.Add(zeros(5, 7), zeros(5, 7), tensor(new long[] { 0, 1, 2, 3, 4 }));
        var metrics = quality.Result();

        Assert.Equal(7, metrics.Perplexity, 9);
        Assert.Equal(7, metrics.ReferencePerplexity, 9);
        Assert.Equal(0, metrics.MeanKl, 12);
        Assert.Equal(0, metrics.PerplexityChangePercent, 9);
        Assert.Equal(5, metrics.Positions);
    }

    [Fact]
    public void Top1_agreement_kl_and_perplexity_follow_the_logits_of_another_runtime()
    {
        // Four positions over three tokens; the candidate ranks another token first at position 2 only.
        float[] reference = [3, 0, 0, 0, 3, 0, 0, 0, 3, 1, 1, 1];
        float[] candidate = [3, 0, 0, 0, 3, 0, 3, 0, 0, 1, 1, 1];
        int[] targets = [0, 1, 2, 0];
        var quality = new QuantizationQuality();
        quality.Add(reference, candidate, 3, targets);
        var metrics = quality.Result();

        var top = Math.Exp(3) / (Math.Exp(3) + 2);
        var low = 1 / (Math.Exp(3) + 2);
        var klAtTwo = top * Math.Log(top / low) + low * Math.Log(low / top);
        Assert.Equal(0.75, metrics.Top1Agreement, 12);
        Assert.Equal(klAtTwo / 4, metrics.MeanKl, 9);
        Assert.Equal(Math.Exp(-(3 * Math.Log(top) + Math.Log(1.0 / 3)) / 4), metrics.ReferencePerplexity, 9);
        Assert.Equal(Math.Exp(-(2 * Math.Log(top) + Math.Log(low) + Math.Log(1.0 / 3)) / 4), metrics.Perplexity, 9);
    }
}
