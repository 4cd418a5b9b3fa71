namespace Pipelines.Activities.Evaluation;

/// <summary>How a metric of the model differs from the baseline's, with a paired-bootstrap confidence interval.</summary>
public sealed record MetricDelta
{
    [Port("The model's value minus the baseline's, on the whole sample (for perplexity, negative is better).")]
    public required double Difference { get; init; }

    [Port("Lower end of the confidence interval of the difference (percentile of the bootstrap resamples).")]
    public required double Low { get; init; }

    [Port("Upper end of the confidence interval of the difference.")]
    public required double High { get; init; }

    [Port("Whether the interval excludes 0: the difference is unlikely to be chance at the chosen confidence.")]
    public required bool Significant { get; init; }
}
