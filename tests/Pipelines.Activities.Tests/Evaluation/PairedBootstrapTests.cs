using Pipelines.Activities.Evaluation;

namespace Pipelines.Activities.Tests.Evaluation;

public sealed class PairedBootstrapTests
{
    /// <summary>A "system" whose only metric is the mean of per-segment values, recomputed on each resample.</summary>
    private static Func<IReadOnlyList<int>, IReadOnlyDictionary<string, double>> Mean(double[] values) =>
        indices => new Dictionary<string, double> { ["score"] = indices.Average(i => values[i]) };

    private static double[] Noisy(int count, double mean, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => mean + (random.NextDouble() - 0.5) * 0.4).ToArray();
    }

    [Fact]
    public void A_large_difference_gets_an_interval_that_excludes_zero()
    {
        var delta = PairedBootstrap.Compare(50, Mean(Noisy(50, 0.8, seed: 1)), Mean(Noisy(50, 0.3, seed: 2)))["score"];

        Assert.InRange(delta.Difference, 0.4, 0.6);
        Assert.True(delta.Low > 0, $"[{delta.Low}, {delta.High}]");
        Assert.True(delta.Low <= delta.Difference && delta.Difference <= delta.High);
        Assert.True(delta.Significant);
    }

    [Fact]
    public void A_large_drop_is_significant_below_zero()
    {
        var delta = PairedBootstrap.Compare(50, Mean(Noisy(50, 0.3, seed: 1)), Mean(Noisy(50, 0.8, seed: 2)))["score"];

        Assert.True(delta.High < 0);
        Assert.True(delta.Significant);
    }

    [Fact]
    public void Identical_systems_get_an_interval_that_contains_zero()
    {
        var values = Noisy(40, 0.5, seed: 3);

        var delta = PairedBootstrap.Compare(40, Mean(values), Mean(values))["score"];

        Assert.Equal(0, delta.Difference);
        Assert.True(delta.Low <= 0 && delta.High >= 0);
        Assert.False(delta.Significant);
    }

    [Fact]
    public void Systems_of_the_same_quality_with_different_errors_get_an_interval_that_contains_zero()
    {
        // The same scores, paired with different segments: no real difference, but each resample differs.
        var values = Noisy(60, 0.5, seed: 4);
        var shuffled = values.ToArray();
        new Random(5).Shuffle(shuffled);

        var delta = PairedBootstrap.Compare(60, Mean(values), Mean(shuffled))["score"];

        Assert.Equal(0, delta.Difference, 12);
        Assert.True(delta.Low < 0 && delta.High > 0, $"[{delta.Low}, {delta.High}]");
        Assert.False(delta.Significant);
    }

    [Fact]
    public void The_same_seed_gives_the_same_intervals_and_another_seed_other_ones()
    {
        var (a, b) = (Mean(Noisy(30, 0.6, seed: 6)), Mean(Noisy(30, 0.5, seed: 7)));

        var first = PairedBootstrap.Compare(30, a, b, samples: 500, seed: 11)["score"];
        var again = PairedBootstrap.Compare(30, a, b, samples: 500, seed: 11)["score"];
        var other = PairedBootstrap.Compare(30, a, b, samples: 500, seed: 12)["score"];

        Assert.Equal(first, again);
        Assert.NotEqual((first.Low, first.High), (other.Low, other.High));
        Assert.Equal(PairedBootstrap.Resamples(30, 5, 11), PairedBootstrap.Resamples(30, 5, 11));
    }

    [Fact]
    public void A_higher_confidence_gives_a_wider_interval()
    {
        var (a, b) = (Mean(Noisy(30, 0.6, seed: 8)), Mean(Noisy(30, 0.5, seed: 9)));

        var narrow = PairedBootstrap.Compare(30, a, b, confidence: 0.8)["score"];
        var wide = PairedBootstrap.Compare(30, a, b, confidence: 0.99)["score"];

        Assert.True(wide.Low < narrow.Low && wide.High > narrow.High);
    }

    [Fact]
    public void The_interval_takes_the_same_order_statistics_as_sacrebleu()
    {
        var sorted = Enumerable.Range(0, 1000).Select(i => (double)i).ToArray();

        // sacrebleu's estimate_ci: scores[n // 40] and scores[n - n // 40 - 1] for 95%.
        Assert.Equal((25.0, 974.0), PairedBootstrap.Interval(sorted, 0.95));
        Assert.Equal((5.0, 994.0), PairedBootstrap.Interval(sorted, 0.99));
    }

    [Fact]
    public void Only_metrics_both_systems_report_are_compared()
    {
        var delta = PairedBootstrap.Compare(3,
            _ => new Dictionary<string, double> { ["a"] = 1, ["b"] = 2 },
            _ => new Dictionary<string, double> { ["a"] = 0.5 });

        Assert.Equal(["a"], delta.Keys);
        Assert.Equal(0.5, delta["a"].Difference);
    }
}
