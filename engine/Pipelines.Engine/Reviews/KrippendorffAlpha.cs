namespace Pipelines.Reviews;

/// <summary>Krippendorff's alpha, the agreement among coders beyond chance (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").</summary>
public static class KrippendorffAlpha
{
    /// <summary>
    /// Alpha with the interval metric (squared difference) over <paramref name="units"/>, each the values the coders
    /// gave one unit (missing values simply absent). Units with fewer than two values are not pairable and are left
    /// out. α = 1 − D_o / D_e, with
    /// D_o = (1/n) Σ_u 1/(m_u − 1) Σ_{i≠j in u} (v_i − v_j)² and D_e = 1/(n(n − 1)) Σ_{i≠j over all pairable values} (v_i − v_j)²,
    /// n the number of pairable values. Null when nothing is pairable; 1 when every pairable value is the same
    /// (no disagreement, observed or expected).
    /// </summary>
    public static double? Interval(IEnumerable<IReadOnlyList<double>> units)
    {
        var pairable = units.Where(u => u.Count >= 2).ToList();
        var values = pairable.SelectMany(u => u).ToList();
        var n = values.Count;
        if (n < 2) return null;

        var observed = 0.0;
        foreach (var unit in pairable)
        {
            observed += SumOfSquaredDifferences(unit) / (unit.Count - 1);
        }

        observed /= n;
        var expected = SumOfSquaredDifferences(values) / (n * (double)(n - 1));
        return expected == 0 ? 1.0 : 1.0 - observed / expected;
    }

    /// <summary>Σ over ordered pairs i ≠ j of (v_i − v_j)², i.e. twice the sum over unordered pairs.</summary>
    private static double SumOfSquaredDifferences(IReadOnlyList<double> values)
    {
        var sum = 0.0;
        for (var i = 0; i < values.Count; i++)
        {
            for (var j = i + 1; j < values.Count; j++)
            {
                var d = values[i] - values[j];
                sum += 2 * d * d;
            }
        }

        return sum;
    }
}
