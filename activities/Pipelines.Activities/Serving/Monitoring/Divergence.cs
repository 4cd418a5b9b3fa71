namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>
/// How far apart two distributions are: the population stability index over shared bins, Jensen–Shannon divergence
/// over shared categories, and the Wasserstein-1 distance between two quantile functions. Each is a small pure
/// function over proportions (or quantiles) so the tests can check them against hand computations.
/// </summary>
public static class Divergence
{
    /// <summary>
    /// What an empty bin counts as in <see cref="PopulationStability"/>: PSI takes a logarithm of each bin's ratio, so a
    /// zero on either side would make it infinite. 10⁻⁴ (one in ten thousand) is the floor commonly used with PSI; a bin
    /// that is empty on one side and holds a share <c>s</c> on the other then adds about <c>s · ln(s / 10⁻⁴)</c>.
    /// </summary>
    public const double EmptyBinShare = 1e-4;

    /// <summary>
    /// The population stability index: Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) over the bins, with <paramref name="expected"/> the
    /// reference's shares and <paramref name="actual"/> the live window's (each summing to 1), every share below
    /// <see cref="EmptyBinShare"/> raised to it. 0 when the two are the same; symmetric in its arguments.
    /// </summary>
    public static double PopulationStability(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        SameLength(expected, actual);
        var psi = 0.0;
        for (var i = 0; i < expected.Count; i++)
        {
            var e = Math.Max(expected[i], EmptyBinShare);
            var a = Math.Max(actual[i], EmptyBinShare);
            psi += (a - e) * Math.Log(a / e);
        }

        return psi;
    }

    /// <summary>
    /// The Jensen–Shannon divergence in bits: ½ KL(P‖M) + ½ KL(Q‖M) with M = ½ (P + Q), logarithms base 2. It lies in
    /// [0, 1]: 0 for identical distributions, 1 for distributions with no category in common. Empty categories need no
    /// floor (0 · log 0 is 0).
    /// </summary>
    public static double JensenShannon(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        SameLength(p, q);
        var divergence = 0.0;
        for (var i = 0; i < p.Count; i++)
        {
            var m = (p[i] + q[i]) / 2;
            if (p[i] > 0) divergence += p[i] * Math.Log2(p[i] / m);
            if (q[i] > 0) divergence += q[i] * Math.Log2(q[i] / m);
        }

        // Rounding can leave a hair outside [0, 1].
        return Math.Clamp(divergence / 2, 0, 1);
    }

    /// <summary>
    /// The Wasserstein-1 (earth mover's) distance between two distributions on a line, given as their values at the
    /// same evenly spaced quantile levels: the mean absolute difference, which is ∫₀¹ |F⁻¹(u) − G⁻¹(u)| du read at
    /// those levels. In the distributions' own unit (tokens, for prompt length).
    /// </summary>
    public static double Wasserstein(IReadOnlyList<double> quantilesP, IReadOnlyList<double> quantilesQ)
    {
        SameLength(quantilesP, quantilesQ);
        return quantilesP.Zip(quantilesQ, (a, b) => Math.Abs(a - b)).Average();
    }

    private static void SameLength(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count || a.Count == 0)
            throw new ArgumentException($"the two distributions must have the same, non-zero number of bins (got {a.Count} and {b.Count})");
    }
}
