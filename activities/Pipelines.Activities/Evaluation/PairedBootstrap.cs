namespace Pipelines.Activities.Evaluation;

/// <summary>
/// Paired bootstrap resampling (Koehn 2004; sacrebleu's <c>paired_bs</c>): draw the segments with replacement,
/// recompute each metric at corpus level for both systems on the same resample, and take the percentile interval of
/// the differences. The resamples come from <see cref="Random"/> seeded with the given seed, so the same seed gives
/// the same intervals (numpy's generator is not reproduced: intervals are not bit-identical to sacrebleu's).
/// </summary>
public static class PairedBootstrap
{
    /// <summary>
    /// <paramref name="samples"/> resamples of <paramref name="segments"/> indices drawn with replacement; the same
    /// seed always gives the same resamples.
    /// </summary>
    public static int[][] Resamples(int segments, int samples, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segments);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        var random = new Random(seed);
        var resamples = new int[samples][];
        for (var b = 0; b < samples; b++)
        {
            var indices = new int[segments];
            for (var i = 0; i < segments; i++) indices[i] = random.Next(segments);
            resamples[b] = indices;
        }

        return resamples;
    }

    /// <summary>
    /// For every metric both systems report on the whole sample: the difference (system − baseline) and its
    /// <paramref name="confidence"/> interval over <paramref name="samples"/> paired resamples. <paramref name="system"/>
    /// and <paramref name="baseline"/> compute corpus metrics over a list of segment indices (with repeats).
    /// </summary>
    public static IReadOnlyDictionary<string, MetricDelta> Compare(int segments,
        Func<IReadOnlyList<int>, IReadOnlyDictionary<string, double>> system,
        Func<IReadOnlyList<int>, IReadOnlyDictionary<string, double>> baseline,
        int samples = 1000, double confidence = 0.95, int seed = 12345, CancellationToken ct = default)
    {
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "the confidence must be between 0 and 1");
        var all = Enumerable.Range(0, segments).ToArray();
        var (whole, wholeBaseline) = (system(all), baseline(all));
        var names = whole.Keys.Where(wholeBaseline.ContainsKey).ToArray();

        var resamples = Resamples(segments, samples, seed);
        var differences = new double[names.Length, samples];
        // Each resample writes only its own column, so the result does not depend on the threads' order.
        Parallel.For(0, samples, new ParallelOptions { CancellationToken = ct }, b =>
        {
            var (mine, theirs) = (system(resamples[b]), baseline(resamples[b]));
            for (var m = 0; m < names.Length; m++)
            {
                differences[m, b] = mine.TryGetValue(names[m], out var x) && theirs.TryGetValue(names[m], out var y) ? x - y : double.NaN;
            }
        });

        var deltas = new Dictionary<string, MetricDelta>();
        for (var m = 0; m < names.Length; m++)
        {
            var sorted = Enumerable.Range(0, samples).Select(b => differences[m, b]).Where(d => !double.IsNaN(d)).Order().ToArray();
            if (sorted.Length == 0) continue;
            var (low, high) = Interval(sorted, confidence);
            deltas[names[m]] = new MetricDelta
            {
                Difference = whole[names[m]] - wholeBaseline[names[m]],
                Low = low,
                High = high,
                Significant = low > 0 || high < 0,
            };
        }

        return deltas;
    }

    /// <summary>
    /// The percentile interval of <paramref name="sorted"/> values: the ⌊n·(1−c)/2⌋-th from each end (sacrebleu's
    /// <c>estimate_ci</c> takes the n//40-th for 95%).
    /// </summary>
    public static (double Low, double High) Interval(IReadOnlyList<double> sorted, double confidence)
    {
        if (sorted.Count == 0) throw new ArgumentException("there are no values to take an interval of", nameof(sorted));
        var lower = (int)Math.Floor(sorted.Count * (1 - confidence) / 2);
        return (sorted[lower], sorted[sorted.Count - lower - 1]);
    }
}
