namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// How BLEU treats an n-gram order with no match (sacrebleu's <c>--smooth-method</c>, after Chen and Cherry 2014).
/// </summary>
public enum BleuSmoothing
{
    /// <summary><c>exp</c>, sacrebleu's default: mteval-v13a's smoothing; the k-th order without a match counts as 1/(2^k · total).</summary>
    Exp,

    /// <summary><c>floor</c>: an order without a match counts as <c>value</c>/total (value 0.1 unless given).</summary>
    Floor,

    /// <summary><c>add-k</c>: add <c>k</c> to the matches and totals of every order above 1 (k = 1 unless given).</summary>
    AddK,

    /// <summary><c>none</c>: an order without a match makes the score 0.</summary>
    None,
}
