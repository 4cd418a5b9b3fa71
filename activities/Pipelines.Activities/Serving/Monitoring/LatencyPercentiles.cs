namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>The 50th, 90th and 99th percentiles of a timing over a window, in seconds, by nearest rank.</summary>
public sealed record LatencyPercentiles(double P50, double P90, double P99)
{
    /// <summary>The percentiles of <paramref name="seconds"/>; null when there are none.</summary>
    public static LatencyPercentiles? Of(IEnumerable<double> seconds)
    {
        var sorted = seconds.Order().ToList();
        return sorted.Count == 0 ? null
            : new(ReferenceProfile.NearestRank(sorted, 0.50), ReferenceProfile.NearestRank(sorted, 0.90), ReferenceProfile.NearestRank(sorted, 0.99));
    }
}
