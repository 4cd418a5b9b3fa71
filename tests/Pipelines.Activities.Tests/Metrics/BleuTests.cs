using Pipelines.Activities.Evaluation.Metrics;
using static Pipelines.Activities.Tests.Metrics.ReferenceAssert;

namespace Pipelines.Activities.Tests.Metrics;

/// <summary>
/// sacrebleu's own test vectors, from mjpost/sacrebleu test/test_bleu.py (EPSILON = 1e-8) and the README examples.
/// <c>raw_corpus_bleu</c> there is corpus BLEU with floor smoothing, no tokenization and effective order.
/// </summary>
public sealed class BleuTests
{
    private const double Epsilon = 1e-8;

    // test_bleu.py: "test for README example with empty hypothesis strings check"
    private static readonly IReadOnlyList<IReadOnlyList<string?>> Refs =
    [
        ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
        ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
    ];

    private static readonly string[] Hyps = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];

    private static BleuOptions Raw(double? smoothValue = 0.01) => new()
    {
        Tokenizer = BleuTokenizer.None,
        Smoothing = BleuSmoothing.Floor,
        SmoothValue = smoothValue,
        EffectiveOrder = true,
    };

    public static TheoryData<string[], string[], double> RawBleuCases => new()
    {
        // test_raw_bleu_cases ("This now returns 0.0 score (#141)") and test_case_effective_order
        { ["this is a test", "another test"], ["ref1", "ref2"], 0.0 },
        { ["this is a test"], ["this is a test"], 1.0 },
        { ["this is a fest"], ["this is a test"], 0.223606797749979 },
        { ["test"], ["a test"], 0.3678794411714425 },
        { ["a test"], ["a test"], 1.0 },
        { ["a little test"], ["a test"], 0.03218297948685433 },
    };

    [Theory]
    [MemberData(nameof(RawBleuCases))]
    public void Raw_corpus_bleu_matches_sacrebleu(string[] hypotheses, string[] references, double expected)
    {
        Within(expected, Bleu.Corpus(hypotheses, [references], Raw()).Score / 100, Epsilon);
    }

    public static TheoryData<string, string?, double> CorpusBleuCases => new()
    {
        // test_corpus_bleu_cases: (kwargs, expected); the tokenizer and smoothing names are sacrebleu's.
        { "13a", "exp", 48.530827 },
        { "none", "exp", 49.1919566 },
        { "intl", "exp", 43.91623493 },
        { "13a", "none", 48.530827 },
    };

    [Theory]
    [MemberData(nameof(CorpusBleuCases))]
    public void Corpus_bleu_of_the_readme_example_matches_sacrebleu(string tokenizer, string? smoothing, double expected)
    {
        var options = new BleuOptions
        {
            Tokenizer = BleuTokenization.Parse(tokenizer),
            Smoothing = smoothing == "none" ? BleuSmoothing.None : BleuSmoothing.Exp,
        };
        Within(expected, Bleu.Corpus(Hyps, Refs, options).Score, Epsilon);
    }

    [Fact] // test_corpus_bleu_cases: "ensure that empty hypotheses are not removed"
    public void Empty_hypotheses_score_zero()
    {
        Within(0.0, Bleu.Corpus(["", "", ""], Refs).Score, Epsilon);
    }

    [Fact] // README: "Using SacreBLEU from Python"
    public void Prints_the_readme_example_as_sacrebleu_does()
    {
        Assert.Equal("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", Bleu.Corpus(Hyps, Refs).ToString());
    }

    [Fact] // README: "Variable Number of References"
    public void An_empty_reference_gives_that_segment_fewer_references()
    {
        IReadOnlyList<IReadOnlyList<string?>> refs =
        [
            ["", "It was not unexpected.", "The man bit him first."],
            ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
        ];
        Assert.Equal("BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)", Bleu.Corpus(Hyps, refs).ToString());
    }

    [Fact]
    public void A_segment_without_any_reference_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => Bleu.Corpus(["a"], [[""], [null]]));
        Assert.Contains("segment 1 has no reference", error.Message, StringComparison.Ordinal);
    }

    [Fact] // test_case_offset
    public void Floor_smoothing_defaults_to_a_tenth()
    {
        string[] hypothesis = ["am I am a character sequence"];
        IReadOnlyList<IReadOnlyList<string?>> reference = [["I am a symbol string sequence a a"]];
        Within(0, Bleu.Corpus(hypothesis, reference, Raw(0.0)).Score / 100, Epsilon);
        Within(0.1555722182, Bleu.Corpus(hypothesis, reference, Raw(null)).Score / 100, Epsilon);
        Within(0.1555722182, Bleu.Corpus(hypothesis, reference, Raw(0.1)).Score / 100, Epsilon);
    }

    [Fact] // test_case_statistics
    public void Counts_clipped_matches_and_totals_per_order()
    {
        var score = Bleu.Corpus(["am I am a character sequence"], [["I am a symbol string sequence a a"]], Raw());
        Assert.Equal([4L, 2, 1, 0], score.Counts);
        Assert.Equal([6L, 5, 4, 3], score.Totals);
    }

    [Fact] // test_case_scoring (compute_bleu's default smoothing is none)
    public void Scores_from_sufficient_statistics()
    {
        var score = Bleu.FromStatistics([9, 7, 5, 3], [10, 8, 6, 4], 11, 11, new BleuOptions { Smoothing = BleuSmoothing.None });
        Within(0.8375922397, score.Score / 100, Epsilon);
    }

    public static TheoryData<long[], long[], long, long, double> DegenerateStatistics => new()
    {
        // test_case_degenerate_stats: (correct, total, sys_len, ref_len, floor value); every score is exactly 0.
        { [0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0.0 },
        { [0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0.0 },
        { [0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.0 },
        { [6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0.0 },
        { [0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1 },
        { [0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01 },
    };

    [Theory]
    [MemberData(nameof(DegenerateStatistics))]
    public void Degenerate_statistics_score_exactly_zero(long[] correct, long[] total, long hypothesisLength, long referenceLength, double floor)
    {
        var options = new BleuOptions { Smoothing = BleuSmoothing.Floor, SmoothValue = floor };
        Assert.Equal(0.0, Bleu.FromStatistics(correct, total, hypothesisLength, referenceLength, options).Score);
    }

    [Theory] // test_bleu_max_order
    [InlineData(1, "77.65")]
    [InlineData(2, "60.50")]
    [InlineData(3, "53.93")]
    [InlineData(4, "48.53")]
    [InlineData(5, "46.14")]
    [InlineData(6, "43.28")]
    public void Takes_any_maximum_ngram_order(int order, string expected)
    {
        var score = Bleu.Corpus(Hyps, Refs, new BleuOptions { MaxNgramOrder = order });
        Assert.Equal(expected, score.ToString()["BLEU = ".Length..].Split(' ')[0]);
    }

    [Fact] // huggingface/evaluate metrics/sacrebleu/sacrebleu.py docstring, examples 1 and 2 (round(score, 1))
    public void Matches_the_evaluate_library_examples()
    {
        IReadOnlyList<IReadOnlyList<string?>> same = [["hello there general kenobi", "foo bar foobar"], ["hello there !", "foo bar foobar"]];
        Assert.Equal(100.0, Math.Round(Bleu.Corpus(["hello there general kenobi", "foo bar foobar"], same).Score, 1));

        IReadOnlyList<IReadOnlyList<string?>> refs = [["hello there general kenobi", "goodbye ankh morpork"], ["hello there !", "ankh morpork"]];
        Assert.Equal(39.8, Math.Round(Bleu.Corpus(["hello there general kenobi", "on our way to ankh morpork"], refs).Score, 1));
    }
}
