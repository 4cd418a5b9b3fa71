using Pipelines.Activities.Evaluation.Metrics;
using static Pipelines.Activities.Tests.Metrics.ReferenceAssert;

namespace Pipelines.Activities.Tests.Metrics;

/// <summary>
/// rouge_score's own test vectors, from google-research/google-research rouge/rouge_scorer_test.py (assertAlmostEqual:
/// 7 places unless the test says otherwise). rouge_score calls <c>score(target, prediction)</c>; here the prediction
/// comes first.
/// </summary>
public sealed class RougeTests
{
    private static void AssertScore(RougeScore score, double precision, double recall, double fmeasure, int places = 7)
    {
        AlmostEqual(precision, score.Precision, places);
        AlmostEqual(recall, score.Recall, places);
        AlmostEqual(fmeasure, score.FMeasure, places);
    }

    [Fact] // testRouge1
    public void Rouge1_counts_unigram_overlap()
    {
        AssertScore(Rouge.Score("testing", "testing one two").Rouge1, 1, 1.0 / 3, 1.0 / 2);
    }

    [Fact] // testRougeEmpty
    public void An_empty_prediction_scores_zero_on_every_type()
    {
        foreach (var (_, score) in Rouge.Score("", "testing one two").ByName()) AssertScore(score, 0, 0, 0);
    }

    [Fact] // testRouge2
    public void Rouge2_counts_bigram_overlap()
    {
        AssertScore(Rouge.Score("testing one", "testing one two").Rouge2, 1, 1.0 / 2, 2.0 / 3);
    }

    [Fact] // testRougeLConsecutive, testMultipleRougeTypes
    public void RougeL_of_a_prefix()
    {
        var scores = Rouge.Score("testing one", "testing one two");
        AssertScore(scores.RougeL, 1, 2.0 / 3, 4.0 / 5);
        AssertScore(scores.Rouge1, 1, 2.0 / 3, 4.0 / 5);
    }

    [Fact] // testRougeLNonConsecutive
    public void RougeL_skips_gaps()
    {
        AssertScore(Rouge.Score("testing two", "testing one two").RougeL, 1, 2.0 / 3, 4.0 / 5);
    }

    [Fact] // testValidRougeTypes, testInvalidRougeTypes
    public void Rouge_n_takes_any_positive_n()
    {
        AssertScore(Rouge.NGrams("testing", "testing one two", 9), 0, 0, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rouge.NGrams("testing", "testing one two", 0));
    }

    [Fact] // testRouge1AgainstRouge155
    public void Rouge1_matches_rouge_1_5_5()
    {
        AssertScore(Rouge.Score(RougeTestData.Prediction0, RougeTestData.Target0).Rouge1, 0.68750, 0.40741, 0.51163, 5);
        AssertScore(Rouge.Score(RougeTestData.Prediction1, RougeTestData.Target1).Rouge1, 0.65385, 0.40476, 0.50000, 5);
    }

    [Fact] // testRouge1AgainstRouge155WithStemming
    public void Rouge1_with_stemming_matches_rouge_1_5_5()
    {
        AssertScore(Rouge.Score(RougeTestData.Prediction0, RougeTestData.Target0, stem: true).Rouge1, 0.68750, 0.40741, 0.51163, 5);
        AssertScore(Rouge.Score(RougeTestData.Prediction1, RougeTestData.Target1, stem: true).Rouge1, 0.69231, 0.42857, 0.52941, 5);
    }

    [Fact] // testRouge2AgainstRouge155, testRouge2AgainstRouge155WithStemming
    public void Rouge2_matches_rouge_1_5_5_with_and_without_stemming()
    {
        foreach (var stem in new[] { false, true })
        {
            AssertScore(Rouge.Score(RougeTestData.Prediction0, RougeTestData.Target0, stem).Rouge2, 0.53333, 0.30769, 0.39024, 5);
            AssertScore(Rouge.Score(RougeTestData.Prediction1, RougeTestData.Target1, stem).Rouge2, 0.48000, 0.29268, 0.36364, 5);
        }
    }

    [Fact] // testRougeLAgainstRouge155
    public void RougeL_matches_rouge_1_5_5()
    {
        AssertScore(Rouge.Score(RougeTestData.Prediction0, RougeTestData.Target0).RougeL, 0.68750, 0.40741, 0.51163, 5);
        AssertScore(Rouge.Score(RougeTestData.Prediction1, RougeTestData.Target1).RougeL, 0.65385, 0.40476, 0.50000, 5);
    }

    [Fact] // testRougeLSumAgainstRouge155WithStemming
    public void RougeLsum_with_stemming_matches_rouge_1_5_5_on_multi_sentence_summaries()
    {
        var score = Rouge.Score(RougeTestData.PredictionMulti0, RougeTestData.TargetMulti0, stem: true).RougeLsum;
        AssertScore(score, 0.66667, 0.36538, 0.47205, 5);
    }

    [Fact] // testRougeLsum
    public void RougeLsum_takes_the_union_of_each_sentence_lcs()
    {
        var score = Rouge.Score("w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", "w1 w2 w3 w4 w5").RougeLsum;
        AlmostEqual(0.8, score.Recall);
        AlmostEqual(0.4, score.Precision);
        AlmostEqual(0.5333, score.FMeasure, 3);
    }

    [Theory] // testRougeLsum: the empty cases; testSummaryLevelLcs: a tokenizer may drop every token
    [InlineData("", "w1 w2 w3 w4 w5")]
    [InlineData("w1", "")]
    [InlineData("/", "w1 w2 w3 w4 w5")]
    [InlineData("/", "reference")]
    public void RougeLsum_scores_zero_when_a_side_has_no_tokens(string prediction, string reference)
    {
        AssertScore(Rouge.Score(prediction, reference).RougeLsum, 0, 0, 0, 3);
    }

    [Fact] // testLcsTable
    public void The_lcs_read_back_is_rouge_scores_one()
    {
        int[] reference = [1, 2, 3, 4, 5];
        Assert.Equal(3, LongestCommonSubsequence.Length(reference, [2, 5, 3, 4]));
        Assert.Equal([false, true, true, true, false], Marked(reference, [2, 5, 3, 4]));
        Assert.Equal(0, LongestCommonSubsequence.Length(reference, [8, 9]));
        Assert.Equal([false, false, false, false, false], Marked(reference, [8, 9]));
    }

    [Fact] // testUnionLcs (the example of section 3.2 of the ROUGE paper)
    public void The_union_lcs_covers_every_candidate_sentence()
    {
        int[] reference = [1, 2, 3, 4, 5];
        var inUnion = new bool[reference.Length];
        LongestCommonSubsequence.Mark(reference, [1, 2, 6, 7, 8], inUnion);
        LongestCommonSubsequence.Mark(reference, [1, 3, 8, 9, 5], inUnion);
        Assert.Equal([1, 2, 3, 5], reference.Where((_, i) => inUnion[i]));
    }

    [Fact] // rouge_score's score_multi
    public void Several_references_keep_the_best_reference_per_type()
    {
        // ROUGE-1 is best against "one testing", ROUGE-2 against "testing one two".
        var scores = Rouge.Score("testing one", ["nothing alike", "testing one two", "one testing"]);
        AssertScore(scores.Rouge1, 1, 1, 1);
        AssertScore(scores.Rouge2, 1, 1.0 / 2, 2.0 / 3);
    }

    [Fact]
    public void A_corpus_score_is_the_mean_over_segments()
    {
        var corpus = Rouge.Corpus(["testing", "testing one"], [["testing one two", "testing one two"]]);
        AlmostEqual((1.0 / 3 + 2.0 / 3) / 2, corpus.Rouge1.Recall);
        AlmostEqual((1.0 / 2 + 4.0 / 5) / 2, corpus.Rouge1.FMeasure);
    }

    private static bool[] Marked(int[] reference, int[] candidate)
    {
        var marked = new bool[reference.Length];
        LongestCommonSubsequence.Mark(reference, candidate, marked);
        return marked;
    }
}
