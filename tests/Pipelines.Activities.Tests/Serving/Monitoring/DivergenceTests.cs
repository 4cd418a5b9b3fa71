using Pipelines.Activities.Serving.Monitoring;

namespace Pipelines.Activities.Tests.Serving.Monitoring;

public sealed class DivergenceTests
{
    [Fact]
    public void Psi_of_identical_distributions_is_zero()
    {
        Assert.Equal(0, Divergence.PopulationStability([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 12);
    }

    [Fact]
    public void Psi_of_a_shifted_histogram_matches_the_hand_computation()
    {
        // (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5) = 0.25·ln 2 + 0.25·ln 1.5 = 0.25·ln 3
        Assert.Equal(0.25 * Math.Log(3), Divergence.PopulationStability([0.5, 0.5], [0.25, 0.75]), 12);
        Assert.Equal(Divergence.PopulationStability([0.5, 0.5], [0.25, 0.75]), Divergence.PopulationStability([0.25, 0.75], [0.5, 0.5]), 12);
    }

    [Fact]
    public void Psi_counts_an_empty_bin_as_the_documented_floor()
    {
        // The third bin is empty in the reference: it counts as 10⁻⁴ instead of making PSI infinite.
        var expected = -0.1 * Math.Log(0.4 / 0.5) + (0.1 - 1e-4) * Math.Log(0.1 / 1e-4);
        Assert.Equal(expected, Divergence.PopulationStability([0.5, 0.5, 0], [0.5, 0.4, 0.1]), 12);
    }

    [Fact]
    public void Jensen_shannon_is_zero_for_identical_and_one_for_disjoint_distributions()
    {
        Assert.Equal(0, Divergence.JensenShannon([0.1, 0.6, 0.3], [0.1, 0.6, 0.3]), 12);
        Assert.Equal(1, Divergence.JensenShannon([0.5, 0.5, 0, 0], [0, 0, 0.3, 0.7]), 12);
    }

    [Fact]
    public void Jensen_shannon_of_a_partial_overlap_matches_the_hand_computation()
    {
        // M = (0.75, 0.25); KL(P‖M) = log2(4/3); KL(Q‖M) = ½·log2(2/3) + ½·log2(2).
        var expected = (Math.Log2(4.0 / 3) + 0.5 * Math.Log2(2.0 / 3) + 0.5) / 2;
        Assert.Equal(expected, Divergence.JensenShannon([1, 0], [0.5, 0.5]), 12);
    }

    [Fact]
    public void Wasserstein_of_a_shifted_distribution_is_the_shift()
    {
        double[] quantiles = [3, 5, 8, 13, 21];
        Assert.Equal(7, Divergence.Wasserstein(quantiles, quantiles.Select(q => q + 7).ToArray()), 12);
        Assert.Equal(0, Divergence.Wasserstein(quantiles, quantiles), 12);
    }

    [Fact]
    public void Distributions_with_different_bins_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Divergence.JensenShannon([0.5, 0.5], [1]));
        Assert.Contains("2 and 1", error.Message);
    }
}
