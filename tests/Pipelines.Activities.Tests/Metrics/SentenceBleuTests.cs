using Pipelines.Activities.Evaluation.Metrics;
using static Pipelines.Activities.Tests.Metrics.ReferenceAssert;

namespace Pipelines.Activities.Tests.Metrics;

/// <summary>sacrebleu's own test vectors, from mjpost/sacrebleu test/test_sentence_bleu.py (EPSILON = 1e-3).</summary>
public sealed class SentenceBleuTests
{
    private const double Epsilon = 1e-3;

    // "Example taken from #98": the reference spells ţ with a cedilla (U+0163), the system ț with a comma (U+021B).
    private const string Ref = "produc\u0163ia de zah\u0103r brut se exprim\u0103 \u00EEn zah\u0103r alb;";
    private const string Sys = "Produc\u021Bia de zah\u0103r prim\u0103 va fi exprimat\u0103 \u00EEn ceea ce prive\u0219te zah\u0103rul alb;";

    public static TheoryData<string, double?, string, double> Cases => new()
    {
        // test_cases: (smooth_method, smooth_value, tokenize, expected); the lowercase case is not ported (no lowercase option here).
        { "exp", null, "13a", 8.493 },
        { "none", null, "13a", 0.0 },
        { "floor", null, "13a", 4.51688 },
        { "floor", 0.1, "13a", 4.51688 },
        { "floor", 0.5, "13a", 10.10 },
        { "add-k", null, "13a", 14.882 },
        { "add-k", 1, "13a", 14.882 },
        { "add-k", 2, "13a", 21.389 },
        { "exp", null, "none", 7.347 },
        { "exp", null, "intl", 8.493 },
        { "exp", null, "char", 40.8759 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sentence_bleu_matches_sacrebleu(string smoothing, double? value, string tokenizer, double expected)
    {
        var options = new BleuOptions { Smoothing = Smoothing(smoothing), SmoothValue = value, Tokenizer = BleuTokenization.Parse(tokenizer) };
        Within(expected, Bleu.Sentence(Sys, [Ref], options).Score, Epsilon);
    }

    [Theory] // test_cases_zero_bleu: "Example taken from #141"
    [InlineData("exp", null)]
    [InlineData("none", null)]
    [InlineData("floor", null)]
    [InlineData("floor", 0.1)]
    [InlineData("add-k", null)]
    [InlineData("add-k", 1.0)]
    public void No_match_at_all_scores_zero_whatever_the_smoothing(string smoothing, double? value)
    {
        var options = new BleuOptions { Smoothing = Smoothing(smoothing), SmoothValue = value };
        Within(0.0, Bleu.Sentence("this is a cat", ["okay thanks"], options).Score, Epsilon);
    }

    [Fact]
    public void Sentence_bleu_uses_the_effective_order_and_corpus_bleu_does_not()
    {
        // One 3-token hypothesis has no 4-grams: with effective order only orders 1..3 are averaged.
        Within(100, Bleu.Sentence("a b c", ["a b c"]).Score, 1e-9);
        Assert.True(Bleu.Corpus(["a b c"], [["a b c"]]).Score < 1e-9);
    }

    [Fact]
    public void Sentences_scores_each_segment_of_a_corpus()
    {
        var scores = Bleu.Sentences(["a b c", "x y z"], [["a b c", "x y"]]);
        Assert.Equal(100, scores[0].Score, 9);
        Assert.Equal(2, scores[1].ReferenceLength);
    }

    private static BleuSmoothing Smoothing(string name) => name switch
    {
        "exp" => BleuSmoothing.Exp,
        "floor" => BleuSmoothing.Floor,
        "add-k" => BleuSmoothing.AddK,
        _ => BleuSmoothing.None,
    };
}
