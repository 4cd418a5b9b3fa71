namespace Pipelines.Activities.Tests.Metrics;

/// <summary>The comparisons the reference test suites make, with their tolerances.</summary>
internal static class ReferenceAssert
{
    /// <summary>Python's <c>assertAlmostEqual(expected, actual, places)</c>: the difference rounds to 0 at that many places.</summary>
    public static void AlmostEqual(double expected, double actual, int places = 7) =>
        Assert.True(Math.Round(expected - actual, places) == 0, $"expected {expected} but got {actual} (to {places} places)");

    /// <summary>sacrebleu's <c>abs(actual - expected) &lt; EPSILON</c>.</summary>
    public static void Within(double expected, double actual, double epsilon) =>
        Assert.True(Math.Abs(actual - expected) < epsilon, $"expected {expected} but got {actual} (within {epsilon})");
}
