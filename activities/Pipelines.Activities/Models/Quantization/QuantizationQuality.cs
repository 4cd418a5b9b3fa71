using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Quantization;

/// <summary>What quantization did to a model's predictions, measured on held-out text against the float32 model.</summary>
/// <param name="Perplexity">exp of the mean negative log-likelihood of the next tokens under the quantized model.</param>
/// <param name="ReferencePerplexity">The same under the float32 model.</param>
/// <param name="PerplexityChangePercent">100 · (Perplexity − ReferencePerplexity) / ReferencePerplexity.</param>
/// <param name="MeanKl">Mean over positions of KL(p_fp32 ‖ p_quant) of the next-token distributions, in nats.</param>
/// <param name="Top1Agreement">The share of positions where both models rank the same token first.</param>
/// <param name="Positions">Positions compared: every token that has a next token.</param>
public sealed record QualityMetrics(double Perplexity, double ReferencePerplexity, double PerplexityChangePercent, double MeanKl,
    double Top1Agreement, long Positions);

/// <summary>
/// Compares next-token logits of a quantized model with the float32 model's, position by position. The logits may come
/// from anywhere (TorchSharp, ONNX Runtime, llama.cpp): <see cref="Add(Tensor, Tensor, Tensor)"/> takes tensors,
/// <see cref="Add(float[], float[], int, int[])"/> plain arrays; <see cref="Measure"/> runs two TorchSharp models.
/// Sums are kept in float64 so many positions add up without drift.
/// </summary>
public sealed class QuantizationQuality
{
    private double _referenceNll;
    private double _nll;
    private double _kl;
    private long _agreements;
    private long _positions;

    /// <summary>
    /// Adds positions: <paramref name="reference"/> and <paramref name="quantized"/> are logits <c>[positions, vocab]</c>
    /// (any leading shape that flattens so), <paramref name="targets"/> the next token of each position.
    /// </summary>
    public void Add(Tensor reference, Tensor quantized, Tensor targets)
    {
        if (!reference.shape.SequenceEqual(quantized.shape)) throw new ArgumentException($"logits of shape [{string.Join(", ", reference.shape)}] and [{string.Join(", ", quantized.shape)}] do not compare");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var vocab = reference.shape[^1];
        var p = reference.reshape(-1, vocab).to(ScalarType.Float64).log_softmax(-1);
        var q = quantized.reshape(-1, vocab).to(ScalarType.Float64).log_softmax(-1);
        var next = targets.reshape(-1, 1).to(ScalarType.Int64);
        if (next.shape[0] != p.shape[0]) throw new ArgumentException($"{next.shape[0]} targets for {p.shape[0]} positions", nameof(targets));
        _referenceNll -= p.gather(1, next).sum().item<double>();
        _nll -= q.gather(1, next).sum().item<double>();
        _kl += p.exp().mul(p.sub(q)).sum().item<double>();
        _agreements += p.argmax(-1).eq(q.argmax(-1)).sum().item<long>();
        _positions += p.shape[0];
    }

    /// <summary>As <see cref="Add(Tensor, Tensor, Tensor)"/> for row-major logits <c>[targets.Length, vocab]</c> from another runtime.</summary>
    public void Add(float[] reference, float[] quantized, int vocab, int[] targets)
    {
        using var scope = NewDisposeScope();
        Add(tensor(reference, [targets.Length, vocab]), tensor(quantized, [targets.Length, vocab]), tensor(targets.Select(t => (long)t).ToArray()));
    }

    /// <summary>The metrics of every position added so far.</summary>
    public QualityMetrics Result()
    {
        if (_positions == 0) throw new InvalidOperationException("no positions were compared; quality needs sequences of at least two tokens");
        var reference = Math.Exp(_referenceNll / _positions);
        var perplexity = Math.Exp(_nll / _positions);
        return new QualityMetrics(perplexity, reference, 100 * (perplexity - reference) / reference, _kl / _positions, (double)_agreements / _positions, _positions);
    }

    /// <summary>
    /// Runs <paramref name="reference"/> (float32) and <paramref name="quantized"/> (e.g. a float32 model after
    /// <see cref="QuantizedWeights.Apply"/>) on each sequence of <paramref name="sequences"/> (token ids, at least two
    /// each) and compares every position that predicts a next token.
    /// </summary>
    public static QualityMetrics Measure(CausalLanguageModel reference, CausalLanguageModel quantized, IReadOnlyList<long[]> sequences, CancellationToken ct = default)
    {
        var quality = new QuantizationQuality();
        using var noGrad = no_grad();
        foreach (var ids in sequences.Where(s => s.Length >= 2))
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var input = tensor(ids[..^1], [1, ids.Length - 1]);
            quality.Add(reference.Forward(input), quantized.Forward(input), tensor(ids[1..]));
        }

        return quality.Result();
    }
}
