using Pipelines.Activities.Evaluation.Metrics;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// One prediction scored against its reference; each score is null when its metric group was not asked for.
/// <see cref="Bleu"/> keeps sentence BLEU's statistics so corpus BLEU can be summed over any resample.
/// </summary>
public sealed record SampleScore
{
    public required string Prediction { get; init; }

    public required string Reference { get; init; }

    public RougeScores? Rouge { get; init; }

    /// <summary>Sentence BLEU (effective order, as sacrebleu's sentence_bleu) with the n-gram counts corpus BLEU sums.</summary>
    public BleuScore? Bleu { get; init; }

    /// <summary>Sentence chrF, 0–100.</summary>
    public double? Chrf { get; init; }

    /// <summary>The prediction equals the reference once both are trimmed of surrounding whitespace (ordinal, case-sensitive).</summary>
    public bool? ExactMatch { get; init; }

    /// <summary>Whitespace-separated words of the prediction.</summary>
    public int? PredictionWords { get; init; }

    /// <summary>Whitespace-separated words of the reference.</summary>
    public int? ReferenceWords { get; init; }

    /// <summary>The loss of the reference after the prompt (teacher forcing); the prediction plays no part.</summary>
    public CompletionLoss? Loss { get; init; }

    /// <summary>
    /// This sample's scores under the corpus names (rouge F-measures, sentence BLEU, sentence chrF, exact_match as 0 or
    /// 1, perplexity of the reference), plus <c>length</c>: the prediction's words.
    /// </summary>
    public IReadOnlyDictionary<string, double> Values()
    {
        var values = new Dictionary<string, double>();
        if (Rouge is { } rouge)
        {
            foreach (var (name, score) in rouge.ByName()) values[name] = score.FMeasure;
        }

        if (Bleu is { } bleu) values[MetricSet.Bleu] = bleu.Score;
        if (Chrf is { } chrf) values[MetricSet.Chrf] = chrf;
        if (ExactMatch is { } exact) values[MetricSet.ExactMatch] = exact ? 1 : 0;
        if (Loss?.Perplexity is { } perplexity) values[MetricSet.Perplexity] = perplexity;
        if (PredictionWords is { } words) values[MetricSet.Length] = words;
        return values;
    }
}
