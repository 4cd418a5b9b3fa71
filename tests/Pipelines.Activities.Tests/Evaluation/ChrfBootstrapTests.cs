using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Evaluation.Metrics;

namespace Pipelines.Activities.Tests.Evaluation;

/// <summary>
/// The paired bootstrap with chrF at the size eval.metrics runs by default (1,000 samples, 1,000 resamples): each
/// resample sums the samples' chrF statistics, so this runs in seconds (docs/evaluation.md has the timing; no test
/// asserts a time).
/// </summary>
public sealed class ChrfBootstrapTests
{
    private static readonly MetricSet ChrfOnly = MetricSet.Parse(["chrf"]);

    private static readonly string[] Words =
    [
        "the", "a", "cat", "dog", "sat", "on", "mat", "quick", "brown", "fox", "jumps", "over", "lazy", "river", "bank",
        "money", "house", "tree", "green", "blue", "running", "walked", "über", "Straße", "naïve", "café", "(quoted)", "end.",
        "question?", "don't", "well-known", "数据", "モデル", "😀", "x", "yy",
    ];

    /// <summary>References of 1–30 random words (the same for the same count), and predictions that keep each word with probability <paramref name="keep"/>.</summary>
    private static (string[] Predictions, string[] References) Synthetic(int count, double keep, int seed)
    {
        var (words, noise) = (new Random(count), new Random(seed));
        var references = new string[count];
        var predictions = new string[count];
        for (var i = 0; i < count; i++)
        {
            var reference = Enumerable.Range(0, words.Next(1, 31)).Select(_ => Words[words.Next(Words.Length)]).ToArray();
            references[i] = string.Join(' ', reference);
            predictions[i] = string.Join(' ', reference.Select(w => noise.NextDouble() < keep ? w : Words[noise.Next(Words.Length)]));
        }

        return (predictions, references);
    }

    [Fact]
    public void Bootstrap_with_chrf_over_a_thousand_samples_sums_segment_statistics()
    {
        const int Count = 1000;
        var (better, references) = Synthetic(Count, keep: 0.8, seed: 1);
        var (worse, _) = Synthetic(Count, keep: 0.4, seed: 2);
        var model = SampleScorer.Score(better, references, ChrfOnly);
        var baseline = SampleScorer.Score(worse, references, ChrfOnly);

        var delta = PairedBootstrap.Compare(Count, i => CorpusMetrics.Of(model, ChrfOnly, i), i => CorpusMetrics.Of(baseline, ChrfOnly, i),
            samples: 1000, seed: 7)[MetricSet.Chrf];

        var expected = Chrf.Corpus(better, [references]).Score - Chrf.Corpus(worse, [references]).Score;
        Assert.Equal(expected, delta.Difference);
        Assert.True(delta.Low <= delta.Difference && delta.Difference <= delta.High, $"{delta.Low} .. {delta.High} excludes {delta.Difference}");
        Assert.True(delta.Significant);

        // A resample scores exactly as chrF of the resampled corpus.
        foreach (var resample in PairedBootstrap.Resamples(Count, 3, seed: 7))
        {
            var corpus = Chrf.Corpus(resample.Select(i => better[i]).ToArray(), [resample.Select(i => references[i]).ToArray()]).Score;
            Assert.Equal(corpus, CorpusMetrics.Of(model, ChrfOnly, resample)[MetricSet.Chrf]);
        }
    }
}
