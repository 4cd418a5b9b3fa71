using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// GPTQ over a whole model, one projection after another in the order the forward pass reaches them: each projection's
/// Hessian comes from the inputs it sees with every earlier weight already quantized, so later layers learn to
/// compensate for what quantizing the earlier ones did. Projections that read the very same tensor (q/k/v, gate/up)
/// share one calibration pass. The token embedding (and so a tied LM head, which is the embedding) has no input
/// to calibrate on and is rounded to nearest in the same int4 blocks.
/// </summary>
public static class SequentialGptq
{
    /// <summary>
    /// Quantizes every matrix of <see cref="QuantizedWeights.Matrices"/> of <paramref name="model"/> to int4 blocks,
    /// calibrating on <paramref name="calibration"/> (token id sequences, each run alone). The model's weights are
    /// replaced by their dequantized values as it goes: pass a copy you can spend. <paramref name="progress"/> hears the
    /// key of each matrix finished and how many of how many are done.
    /// </summary>
    public static Dictionary<string, QuantizedMatrix> Quantize(CausalLanguageModel model, IReadOnlyList<long[]> calibration, double dampening = 0.01,
        Action<string, int, int>? progress = null, CancellationToken ct = default)
    {
        if (calibration.Count == 0) throw new ArgumentException("GPTQ needs at least one calibration sequence", nameof(calibration));
        var matrices = QuantizedWeights.Matrices(model);
        var projections = model.named_modules().Where(m => m.module is Projection).ToDictionary(m => (Projection)m.module, m => $"{m.name}.weight");
        var result = new Dictionary<string, QuantizedMatrix>();
        foreach (var matrix in matrices.Where(m => !projections.ContainsValue(m.Key)))
        {
            result[matrix.Key] = WeightQuantizer.Int4Blocks(matrix.RowMajor(), matrix.Rows, matrix.Columns);
            QuantizedWeights.Apply(model, result);
            progress?.Invoke(matrix.Key, result.Count, matrices.Count);
        }

        var remaining = new Queue<Projection>(ForwardOrder(model, projections.Keys, calibration[0]));
        while (remaining.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var (projection, hessian) in Calibrate(model, remaining, calibration, ct))
            {
                var key = projections[projection];
                var matrix = matrices.Single(m => m.Key == key);
                using (hessian)
                using (var h = hessian.Hessian())
                {
                    result[key] = GptqQuantizer.Int4(matrix.RowMajor(), matrix.Rows, matrix.Columns, h, dampening);
                }

                QuantizedWeights.Apply(model, new Dictionary<string, QuantizedMatrix> { [key] = result[key] });
                progress?.Invoke(key, result.Count, matrices.Count);
            }
        }

        return result;
    }

    /// <summary>The projections in the order one forward pass first calls them.</summary>
    private static List<Projection> ForwardOrder(CausalLanguageModel model, IEnumerable<Projection> projections, long[] ids)
    {
        var order = new List<Projection>();
        Observe(model, projections, (p, _) =>
        {
            if (!order.Contains(p)) order.Add(p);
        }, [ids]);
        return order;
    }

    /// <summary>
    /// Runs the calibration sequences once and returns the Hessian of the first remaining projection and of every next
    /// one that read the same tensor in every pass, taking them off <paramref name="remaining"/>.
    /// </summary>
    private static List<(Projection Projection, InputHessian Hessian)> Calibrate(CausalLanguageModel model, Queue<Projection> remaining,
        IReadOnlyList<long[]> calibration, CancellationToken ct)
    {
        var leader = remaining.Peek();
        var candidates = remaining.ToList();
        var hessians = candidates.ToDictionary(p => p, p => new InputHessian(p.InFeatures));
        var sharing = candidates.ToHashSet();
        Tensor? leaderInput = null;
        Observe(model, candidates, (p, x) =>
        {
            if (p == leader) leaderInput = x;
            if (p != leader && !ReferenceEquals(x, leaderInput))
            {
                sharing.Remove(p);
                throw new PassComplete();
            }

            hessians[p].Add(x);
        }, calibration, ct);

        var group = new List<(Projection, InputHessian)>();
        while (remaining.Count > 0 && sharing.Contains(remaining.Peek()))
        {
            var p = remaining.Dequeue();
            group.Add((p, hessians[p]));
            hessians.Remove(p);
        }

        foreach (var unused in hessians.Values) unused.Dispose();
        return group;
    }

    private static void Observe(CausalLanguageModel model, IEnumerable<Projection> projections, Action<Projection, Tensor> observer,
        IReadOnlyList<long[]> sequences, CancellationToken ct = default)
    {
        var observed = projections.ToList();
        foreach (var p in observed) p.InputObserver = observer;
        try
        {
            using var noGrad = no_grad();
            foreach (var ids in sequences)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                try
                {
                    model.Forward(tensor(ids, [1, ids.Length]));
                }
                catch (PassComplete)
                {
                }
            }
        }
        finally
        {
            foreach (var p in observed) p.InputObserver = null;
        }
    }

    /// <summary>
    /// Thrown by an observer once the pass has given it every input it needs, so the rest of the forward pass (later
    /// layers, the LM head) is not computed: calibration passes cost about half as much.
    /// </summary>
    private sealed class PassComplete : Exception;
}
