using Pipelines.Activities.Evaluation.Metrics;
using Pipelines.Activities.Models.Generation;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// Scores predictions against references one sample at a time (<see cref="Score"/>), and runs a model over prompts
/// to get them (<see cref="Evaluate"/>): the one way eval.metrics and prompt.evaluate generate and score.
/// </summary>
public static class SampleScorer
{
    /// <summary>Each prediction scored against its reference with the metrics of <paramref name="metrics"/>.</summary>
    /// <param name="losses">The loss of each reference after its prompt; required when <paramref name="metrics"/> has perplexity.</param>
    /// <param name="stem">ROUGE with the Porter stemmer (rouge_score's use_stemmer).</param>
    public static IReadOnlyList<SampleScore> Score(IReadOnlyList<string> predictions, IReadOnlyList<string> references, MetricSet metrics,
        IReadOnlyList<CompletionLoss>? losses = null, bool stem = false)
    {
        if (predictions.Count != references.Count) throw new ArgumentException($"{predictions.Count} predictions but {references.Count} references");
        if (metrics.Has(MetricSet.Perplexity) && losses?.Count != predictions.Count)
            throw new ArgumentException("perplexity needs the loss of every reference");
        if (predictions.Count == 0) return [];

        var bleu = metrics.Has(MetricSet.Bleu) ? Bleu.Sentences(predictions, [references]) : null;
        var scores = new SampleScore[predictions.Count];
        for (var i = 0; i < scores.Length; i++)
        {
            string prediction = predictions[i], reference = references[i];
            var length = metrics.Has(MetricSet.Length);
            scores[i] = new SampleScore
            {
                Prediction = prediction,
                Reference = reference,
                Rouge = metrics.Has(MetricSet.Rouge) ? Rouge.Score(prediction, reference, stem) : null,
                Bleu = bleu?[i],
                Chrf = metrics.Has(MetricSet.Chrf) ? Chrf.Sentence(prediction, [reference]).Score : null,
                ExactMatch = metrics.Has(MetricSet.ExactMatch) ? string.Equals(prediction.Trim(), reference.Trim(), StringComparison.Ordinal) : null,
                PredictionWords = length ? Words(prediction) : null,
                ReferenceWords = length ? Words(reference) : null,
                Loss = metrics.Has(MetricSet.Perplexity) ? losses![i] : null,
            };
        }

        return scores;
    }

    /// <summary>How many units of work <see cref="Evaluate"/> reports for <paramref name="samples"/> samples: one per generation, one per loss.</summary>
    public static int Units(int samples, MetricSet metrics) => samples * (metrics.Has(MetricSet.Perplexity) ? 2 : 1);

    /// <summary>
    /// Continues every prompt with <paramref name="model"/>, measures each reference's loss when perplexity is asked
    /// for, and scores the predictions. <paramref name="done"/> hears the units finished so far (see <see cref="Units"/>).
    /// </summary>
    public static IReadOnlyList<SampleScore> Evaluate(ModelUnderTest model, IReadOnlyList<string> prompts, IReadOnlyList<string> references,
        MetricSet metrics, GenerationOptions options, int batchSize, bool stem = false, Action<int>? done = null, CancellationToken ct = default)
    {
        var predictions = model.Generate(prompts, options, batchSize, done, ct);
        var losses = metrics.Has(MetricSet.Perplexity)
            ? model.CompletionLosses(prompts, references, n => done?.Invoke(prompts.Count + n), ct)
            : null;
        return Score(predictions, references, metrics, losses, stem);
    }

    /// <summary>Words as whitespace separates them (any Unicode white space).</summary>
    public static int Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
}
