namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>A BLEU score with the statistics sacrebleu reports beside it.</summary>
/// <param name="Score">BLEU, 0 to 100.</param>
/// <param name="Precisions">The n-gram precision of each order, 0 to 100, after smoothing.</param>
/// <param name="BrevityPenalty">exp(1 - ref_len/hyp_len) when the hypotheses are shorter than the references, else 1.</param>
/// <param name="Ratio">hyp_len / ref_len (0 when ref_len is 0).</param>
/// <param name="HypothesisLength">Tokens in the hypotheses (sacrebleu's <c>sys_len</c>, printed as hyp_len).</param>
/// <param name="ReferenceLength">Tokens in the references, taking per segment the reference length closest to the hypothesis (the shorter on ties).</param>
/// <param name="Counts">Matched n-grams of each order (before add-k smoothing).</param>
/// <param name="Totals">Hypothesis n-grams of each order (before add-k smoothing).</param>
public sealed record BleuScore(
    double Score,
    IReadOnlyList<double> Precisions,
    double BrevityPenalty,
    double Ratio,
    long HypothesisLength,
    long ReferenceLength,
    IReadOnlyList<long> Counts,
    IReadOnlyList<long> Totals)
{
    /// <summary>sacrebleu's line: <c>BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)</c>.</summary>
    public override string ToString() =>
        $"BLEU = {PythonFloatFormat.Fixed(Score, 2)} {string.Join('/', Precisions.Select(p => PythonFloatFormat.Fixed(p, 1)))} " +
        $"(BP = {PythonFloatFormat.Fixed(BrevityPenalty, 3)} ratio = {PythonFloatFormat.Fixed(Ratio, 3)} " +
        $"hyp_len = {HypothesisLength} ref_len = {ReferenceLength})";
}
