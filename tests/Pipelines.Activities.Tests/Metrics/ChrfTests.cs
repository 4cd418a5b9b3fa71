using Pipelines.Activities.Evaluation.Metrics;
using static Pipelines.Activities.Tests.Metrics.ReferenceAssert;

namespace Pipelines.Activities.Tests.Metrics;

/// <summary>
/// sacrebleu's own test vectors, from mjpost/sacrebleu test/test_chrf.py (EPSILON = 1e-4); the README example; and the
/// chrF/chrF++ examples of huggingface/evaluate metrics/chrf/chrf.py, whose doctests print sacrebleu's full value.
/// </summary>
public sealed class ChrfTests
{
    private const double Epsilon = 1e-4;

    public static TheoryData<string[], string[], double> EpsSmoothingCases => new()
    {
        // test_cases: corpus_chrf(char_order=6, word_order=0, beta=3, eps_smoothing=True)
        { ["abcdefg"], ["hijklmnop"], 0.0 },
        { ["a"], ["b"], 0.0 },
        { [""], ["b"], 0.0 },
        { [""], ["ref"], 0.0 },
        { [""], ["reference"], 0.0 },
        { ["aa"], ["ab"], 8.3333 },
        { ["a", "b"], ["a", "c"], 8.3333 },
        { ["a"], ["a"], 16.6667 },
        { ["a b c"], ["a b c"], 50.0 },
        { ["a b c"], ["abc"], 50.0 },
        {
            [" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."],
            ["risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ."],
            63.361730
        },
        {
            [" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "],
            ["Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."],
            64.1302698
        },
        { ["Niemand hat die Absicht, eine Mauer zu errichten"], ["Niemand hat die Absicht, eine Mauer zu errichten"], 100.0 },
    };

    [Theory]
    [MemberData(nameof(EpsSmoothingCases))]
    public void Eps_smoothed_chrf_matches_sacrebleu(string[] hypotheses, string[] references, double expected)
    {
        var options = new ChrfOptions { Beta = 3, EpsSmoothing = true };
        Within(expected, Chrf.Corpus(hypotheses, [references], options).Score, Epsilon);
    }

    public static TheoryData<string[], string[], double> EffectiveOrderCases => new()
    {
        // test_cases_effective_order: "sacreBLEU < 2.0.0 mode", beta=3
        { ["a"], ["a"], 100.0 },
        { [""], ["reference"], 0.0 },
        { ["a b c"], ["a b c"], 100.0 },
        { ["a b c"], ["abc"], 100.0 },
        { [""], ["c"], 0.0 },
        { ["a", "b"], ["a", "c"], 50.0 },
        { ["aa"], ["ab"], 25.0 },
    };

    [Theory]
    [MemberData(nameof(EffectiveOrderCases))]
    public void Effective_order_chrf_matches_sacrebleu(string[] hypotheses, string[] references, double expected)
    {
        Within(expected, Chrf.Corpus(hypotheses, [references], new ChrfOptions { Beta = 3 }).Score, Epsilon);
    }

    public static TheoryData<string, string, double> KeepWhitespaceCases => new()
    {
        // test_cases_keep_whitespace: remove_whitespace=False, beta=3
        {
            "Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.",
            "Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.",
            67.3481606
        },
        {
            "risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .",
            "risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .",
            65.2414427
        },
    };

    [Theory]
    [MemberData(nameof(KeepWhitespaceCases))]
    public void Chrf_with_whitespace_matches_sacrebleu(string hypothesis, string reference, double expected)
    {
        Within(expected, Chrf.Corpus([hypothesis], [[reference]], new ChrfOptions { Beta = 3, Whitespace = true }).Score, Epsilon);
    }

    public static TheoryData<string, string, double> SentenceCases => new()
    {
        // test_sentence_level_chrf: sentence_chrf(eps_smoothing=True), default beta 2
        {
            "Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
            "Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.",
            39.14078509
        },
        {
            "Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
            "A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.",
            31.22557079
        },
        {
            "Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
            "Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.",
            57.15704367
        },
    };

    [Theory]
    [MemberData(nameof(SentenceCases))]
    public void Sentence_chrf_matches_sacrebleu(string hypothesis, string reference, double expected)
    {
        Within(expected, Chrf.Sentence(hypothesis, [reference], new ChrfOptions { EpsSmoothing = true }).Score, Epsilon);
    }

    [Fact] // README: "Using SacreBLEU from Python", several references per segment
    public void Prints_the_readme_example_as_sacrebleu_does()
    {
        IReadOnlyList<IReadOnlyList<string?>> refs =
        [
            ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
            ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
        ];
        var score = Chrf.Corpus(["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."], refs);
        Assert.Equal("chrF2 = 59.73", score.ToString());
    }

    private static readonly string[] EvaluatePredictions =
    [
        "The relationship between cats and dogs is not exactly friendly.",
        "a good bookshop is just a genteel black hole that knows how to read.",
    ];

    private static readonly IReadOnlyList<IReadOnlyList<string?>> EvaluateReferences =
    [
        ["The relationship between dogs and cats is not exactly friendly.", "A good bookshop is just a genteel Black Hole that knows how to read."],
    ];

    [Fact] // huggingface/evaluate metrics/chrf/chrf.py, example 1
    public void Chrf_matches_the_evaluate_library_example()
    {
        Within(84.64214891738334, Chrf.Corpus(EvaluatePredictions, EvaluateReferences).Score, 1e-12);
    }

    [Fact] // huggingface/evaluate metrics/chrf/chrf.py, example 2
    public void Chrf_plus_plus_matches_the_evaluate_library_example()
    {
        var score = Chrf.Corpus(EvaluatePredictions, EvaluateReferences, ChrfOptions.ChrfPlusPlus);
        Within(82.87263732906315, score.Score, 1e-12);
        Assert.Equal("chrF2++", score.Name);
    }

    [Fact]
    public void Chrf_plus_plus_splits_one_punctuation_mark_off_each_word()
    {
        // "(hi)" gives "(hi" and ")" (sacrebleu issue #124), so "(hi" never matches "hi".
        var split = Chrf.Corpus(["(hi) there"], [["hi there"]], new ChrfOptions { CharOrder = 0, WordOrder = 1 });
        var clean = Chrf.Corpus(["hi) there"], [["hi there"]], new ChrfOptions { CharOrder = 0, WordOrder = 1 });
        Assert.True(split.Score < clean.Score);
    }
}
