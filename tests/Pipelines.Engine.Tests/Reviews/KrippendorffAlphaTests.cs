using Pipelines.Reviews;

namespace Pipelines.Engine.Tests.Reviews;

public sealed class KrippendorffAlphaTests
{
    [Fact]
    public void Interval_alpha_matches_Krippendorffs_published_example()
    {
        // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers, 12 units,
        // values 1..5 with missing data. Published: nominal 0.743, interval 0.849. Unit 12 has one value and is
        // not pairable. Columns are units; null is a missing value.
        int?[][] observers =
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
            [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
        ];
        var units = Enumerable.Range(0, 12)
            .Select(u => (IReadOnlyList<double>)observers.Where(o => o[u] is not null).Select(o => (double)o[u]!.Value).ToList());

        Assert.Equal(0.849, KrippendorffAlpha.Interval(units)!.Value, precision: 3);
    }

    [Fact]
    public void A_small_case_computed_by_hand()
    {
        // Two coders, units (1,2) and (4,4): n = 4 pairable values {1,2,4,4}.
        // D_o = (1/4)·[ (1/1)·2·(1−2)² + 0 ] = 0.5.
        // D_e = Σ_{i≠j}(v_i − v_j)² / (n(n−1)) = 2·(1 + 9 + 9 + 4 + 4 + 0) / 12 = 54/12 = 4.5.
        // α = 1 − 0.5/4.5 = 0.8889.
        Assert.Equal(1 - 0.5 / 4.5, KrippendorffAlpha.Interval([[1, 2], [4, 4]])!.Value, precision: 10);
    }

    [Fact]
    public void Identical_values_agree_perfectly_and_unpairable_data_has_no_alpha()
    {
        Assert.Equal(1.0, KrippendorffAlpha.Interval([[3, 3], [3, 3]]));
        Assert.Null(KrippendorffAlpha.Interval([[3], [4]]));
    }
}
