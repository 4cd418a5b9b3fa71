using System.Runtime.CompilerServices;
using Pipelines.Activities.Evaluation.Metrics;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// The corpus-level metrics of scored samples, over all of them or over a resample of their indices (with
/// repeats), as the paired bootstrap needs. Every metric is recomputed at corpus level, as sacrebleu does:
/// ROUGE and exact match are means over samples, BLEU and chrF sum the n-gram statistics of the samples, perplexity is
/// exp(summed loss / summed tokens).
/// </summary>
public static class CorpusMetrics
{
    /// <summary>
    /// Each sample's chrF statistics (<see cref="Chrf.SegmentStatistics"/>), counted the first time the sample is
    /// scored, so that a bootstrap resample only sums them. Keyed by the sample object, which is immutable; an entry
    /// lives as long as its sample.
    /// </summary>
    private static readonly ConditionalWeakTable<SampleScore, long[]> ChrfStatistics = new();

    /// <summary>
    /// The flat metrics map (<see cref="MetricSet.AllNames"/> order) of <paramref name="samples"/>, or of
    /// <c>samples[indices[0]], samples[indices[1]], ...</c>. A metric without data (perplexity where no token was
    /// scored) is left out.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Of(IReadOnlyList<SampleScore> samples, MetricSet metrics, IReadOnlyList<int>? indices = null)
    {
        indices ??= Enumerable.Range(0, samples.Count).ToArray();
        if (indices.Count == 0) throw new ArgumentException("there are no samples to score", nameof(indices));
        var picked = new SampleScore[indices.Count];
        for (var i = 0; i < picked.Length; i++) picked[i] = samples[indices[i]];

        var values = new Dictionary<string, double>();
        if (metrics.Has(MetricSet.Rouge))
        {
            values["rouge1"] = picked.Average(s => s.Rouge!.Rouge1.FMeasure);
            values["rouge2"] = picked.Average(s => s.Rouge!.Rouge2.FMeasure);
            values["rougeL"] = picked.Average(s => s.Rouge!.RougeL.FMeasure);
            values["rougeLsum"] = picked.Average(s => s.Rouge!.RougeLsum.FMeasure);
        }

        if (metrics.Has(MetricSet.Bleu)) values[MetricSet.Bleu] = CorpusBleu(picked);
        if (metrics.Has(MetricSet.Chrf)) values[MetricSet.Chrf] = CorpusChrf(picked);

        if (metrics.Has(MetricSet.ExactMatch)) values[MetricSet.ExactMatch] = picked.Average(s => s.ExactMatch == true ? 1.0 : 0.0);
        if (metrics.Has(MetricSet.Perplexity))
        {
            var tokens = picked.Sum(s => (long)s.Loss!.Tokens);
            if (tokens > 0) values[MetricSet.Perplexity] = Math.Exp(picked.Sum(s => s.Loss!.Sum) / tokens);
        }

        if (metrics.Has(MetricSet.Length))
        {
            values["avg_length"] = picked.Average(s => (double)s.PredictionWords!.Value);
            var referenceWords = picked.Sum(s => (long)s.ReferenceWords!.Value);
            if (referenceWords > 0) values["length_ratio"] = picked.Sum(s => (long)s.PredictionWords!.Value) / (double)referenceWords;
        }

        return values;
    }

    /// <summary>Corpus BLEU from the summed sentence statistics: what Bleu.Corpus gives for the same segments.</summary>
    private static double CorpusBleu(SampleScore[] picked)
    {
        var orders = picked[0].Bleu!.Counts.Count;
        var correct = new long[orders];
        var total = new long[orders];
        long hypothesis = 0, reference = 0;
        foreach (var sample in picked)
        {
            var bleu = sample.Bleu!;
            for (var n = 0; n < orders; n++)
            {
                correct[n] += bleu.Counts[n];
                total[n] += bleu.Totals[n];
            }

            hypothesis += bleu.HypothesisLength;
            reference += bleu.ReferenceLength;
        }

        return Bleu.FromStatistics(correct, total, hypothesis, reference).Score;
    }

    /// <summary>Corpus chrF from the summed statistics of the samples: what Chrf.Corpus gives for the same segments, bit for bit.</summary>
    private static double CorpusChrf(SampleScore[] picked)
    {
        var statistics = new long[picked.Length][];
        List<int>? missing = null;
        for (var i = 0; i < picked.Length; i++)
        {
            if (ChrfStatistics.TryGetValue(picked[i], out var counted)) statistics[i] = counted;
            else (missing ??= []).Add(i);
        }

        if (missing is not null)
        {
            var counted = Chrf.SegmentStatistics(
                missing.Select(i => picked[i].Prediction).ToArray(), [missing.Select(i => picked[i].Reference).ToArray()]);
            for (var j = 0; j < missing.Count; j++)
            {
                statistics[missing[j]] = counted[j];
                ChrfStatistics.AddOrUpdate(picked[missing[j]], counted[j]);
            }
        }

        var sum = new long[Chrf.StatisticsLength()];
        foreach (var sample in statistics) Chrf.Add(sum, sample);
        return Chrf.FromStatistics(sum).Score;
    }
}
