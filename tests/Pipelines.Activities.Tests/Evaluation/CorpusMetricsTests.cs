using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Evaluation.Metrics;

namespace Pipelines.Activities.Tests.Evaluation;

public sealed class CorpusMetricsTests
{
    private static readonly string[] Predictions =
    [
        "The cat sat on the mat.",
        "A quick brown fox jumps over the dog",
        "  hello world ",
        "completely unrelated words here",
    ];

    private static readonly string[] References =
    [
        "The cat is on the mat.",
        "The quick brown fox jumped over the lazy dog.",
        "hello world",
        "Hello World",
    ];

    private static readonly MetricSet WithoutPerplexity = MetricSet.Parse(["rouge", "bleu", "chrf", "exact_match", "length"]);

    private static IReadOnlyList<SampleScore> Scored(IReadOnlyList<string> predictions, IReadOnlyList<string> references, IReadOnlyList<CompletionLoss>? losses = null) =>
        SampleScorer.Score(predictions, references, losses is null ? WithoutPerplexity : MetricSet.All, losses);

    [Fact]
    public void Corpus_scores_are_those_of_the_metric_functions()
    {
        var metrics = CorpusMetrics.Of(Scored(Predictions, References), WithoutPerplexity);

        var rouge = Rouge.Corpus(Predictions, [References]);
        Assert.Equal(rouge.Rouge1.FMeasure, metrics["rouge1"], 12);
        Assert.Equal(rouge.Rouge2.FMeasure, metrics["rouge2"], 12);
        Assert.Equal(rouge.RougeL.FMeasure, metrics["rougeL"], 12);
        Assert.Equal(rouge.RougeLsum.FMeasure, metrics["rougeLsum"], 12);
        Assert.Equal(Bleu.Corpus(Predictions, [References]).Score, metrics["bleu"], 12);
        Assert.Equal(Chrf.Corpus(Predictions, [References]).Score, metrics["chrf"], 12);
    }

    [Fact]
    public void A_resample_with_repeats_scores_as_the_corpus_of_the_repeated_segments()
    {
        int[] resample = [1, 1, 3, 0, 1];
        var repeatedPredictions = resample.Select(i => Predictions[i]).ToArray();
        var repeatedReferences = resample.Select(i => References[i]).ToArray();

        var fromIndices = CorpusMetrics.Of(Scored(Predictions, References), WithoutPerplexity, resample);
        var fromCopies = CorpusMetrics.Of(Scored(repeatedPredictions, repeatedReferences), WithoutPerplexity);

        Assert.Equal(fromCopies.Keys, fromIndices.Keys);
        foreach (var (name, value) in fromCopies) Assert.Equal(value, fromIndices[name], 12);
        Assert.Equal(Bleu.Corpus(repeatedPredictions, [repeatedReferences]).Score, fromIndices["bleu"], 12);
    }

    [Fact]
    public void Exact_match_ignores_surrounding_whitespace_but_not_case()
    {
        var samples = Scored(Predictions, References);

        Assert.Equal([false, false, true, false], samples.Select(s => s.ExactMatch!.Value));
        Assert.Equal(0.25, CorpusMetrics.Of(samples, MetricSet.Parse(["exact_match"]))["exact_match"]);
    }

    [Fact]
    public void Length_counts_whitespace_separated_words_of_predictions_and_their_ratio_to_the_references()
    {
        var metrics = CorpusMetrics.Of(Scored(["one two  three", "\tfour\n", ""], ["a b", "c d e", "f"]), MetricSet.Parse(["length"]));

        Assert.Equal((3 + 1 + 0) / 3.0, metrics["avg_length"], 12);
        Assert.Equal(4 / 6.0, metrics["length_ratio"], 12);
        Assert.Equal(["avg_length", "length_ratio"], metrics.Keys);
    }

    [Fact]
    public void Perplexity_weighs_each_sample_by_its_tokens()
    {
        CompletionLoss[] losses = [new(Sum: 2.0, Tokens: 1), new(Sum: 3.0, Tokens: 3)];

        var samples = Scored(["a", "b"], ["a", "b"], losses);

        Assert.Equal(Math.Exp(5.0 / 4), CorpusMetrics.Of(samples, MetricSet.Parse(["perplexity"]))["perplexity"], 12);
        Assert.Equal(Math.Exp(2.0), samples[0].Values()["perplexity"], 12);
    }

    [Fact]
    public void Metrics_are_asked_for_by_group_or_by_name_and_reported_in_a_fixed_order()
    {
        Assert.Equal(["rouge1", "rouge2", "rougeL", "rougeLsum", "chrf"], MetricSet.Parse(["chrf", "rougeL"]).Names);
        Assert.Equal(MetricSet.AllNames, MetricSet.All.Names);
        var error = Assert.Throws<ArgumentException>(() => MetricSet.Parse(["rouge", "meteor"]));
        Assert.Contains("unknown metric 'meteor'", error.Message);
        Assert.Contains("exact_match", error.Message);
    }
}
