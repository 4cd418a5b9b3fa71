namespace Pipelines.Activities.Evaluation;

public sealed record MetricsEvaluationOutputs
{
    [Port("The model's metrics, flat: rouge1, rouge2, rougeL, rougeLsum (F-measure, 0–1), bleu and chrf (0–100), exact_match (0–1), perplexity, avg_length (words per prediction), length_ratio (prediction words / reference words).")]
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    [Port("The baseline's metrics, as `metrics`; null without a baseline.")]
    public IReadOnlyDictionary<string, double>? BaselineMetrics { get; init; }

    [Port("Per metric, the model minus the baseline with a paired-bootstrap confidence interval: {difference, low, high, significant}; null without a baseline.")]
    public IReadOnlyDictionary<string, MetricDelta>? Delta { get; init; }

    [Port("Records evaluated.")]
    public required int Samples { get; init; }

    [Port("The report: one HTML file with the metrics, a chart against the baseline, and the best and worst samples.")]
    public required string Report { get; init; }

    [Port("Every sample: JSONL of {line, prompt, reference, prediction, scores} (and baseline_prediction, baseline_scores).")]
    public required string Predictions { get; init; }
}
