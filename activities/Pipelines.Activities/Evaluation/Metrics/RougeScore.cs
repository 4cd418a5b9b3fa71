namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>Precision, recall and F-measure of one ROUGE type, each between 0 and 1 (rouge_score's <c>Score</c>).</summary>
/// <param name="Precision">Matched units over the prediction's units.</param>
/// <param name="Recall">Matched units over the reference's units.</param>
/// <param name="FMeasure">The harmonic mean of precision and recall; 0 when both are 0.</param>
public sealed record RougeScore(double Precision, double Recall, double FMeasure)
{
    /// <summary>The score of a pair with nothing to compare.</summary>
    public static RougeScore Zero { get; } = new(0, 0, 0);

    /// <summary>The score with rouge_score's F-measure: 2PR/(P+R), or 0 when P+R is 0.</summary>
    public static RougeScore Of(double precision, double recall) =>
        new(precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0);
}
