using System.Text;
using Pipelines.Activities.Evaluation.Metrics;
using static Pipelines.Activities.Tests.Metrics.ReferenceAssert;

namespace Pipelines.Activities.Tests.Metrics;

/// <summary>
/// chrF's per-segment sufficient statistics: summed over any segments (with repeats, in any order) and scored by
/// <see cref="Chrf.FromStatistics"/>, they give bit for bit what <see cref="Chrf.Corpus"/> gives on those segments.
/// </summary>
public sealed class ChrfStatisticsTests
{
    private const double Epsilon = 1e-4;

    /// <summary>The score of the summed segment statistics of <paramref name="indices"/> (every segment by default).</summary>
    private static ChrfScore Summed(long[][] statistics, ChrfOptions options, IEnumerable<int>? indices = null)
    {
        var sum = new long[Chrf.StatisticsLength(options)];
        foreach (var i in indices ?? Enumerable.Range(0, statistics.Length)) Chrf.Add(sum, statistics[i]);
        return Chrf.FromStatistics(sum, options);
    }

    private static ChrfScore Summed(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string?>> references, ChrfOptions options) =>
        Summed(Chrf.SegmentStatistics(hypotheses, references, options), options);

    private static void Identical(ChrfScore expected, ChrfScore actual)
    {
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Score), BitConverter.DoubleToInt64Bits(actual.Score));
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(ChrfTests.EpsSmoothingCases), MemberType = typeof(ChrfTests))]
    public void Summed_statistics_score_the_eps_smoothing_vectors_as_corpus_chrf(string[] hypotheses, string[] references, double expected)
    {
        var options = new ChrfOptions { Beta = 3, EpsSmoothing = true };
        var summed = Summed(hypotheses, [references], options);
        Identical(Chrf.Corpus(hypotheses, [references], options), summed);
        Within(expected, summed.Score, Epsilon);
    }

    [Theory]
    [MemberData(nameof(ChrfTests.EffectiveOrderCases), MemberType = typeof(ChrfTests))]
    public void Summed_statistics_score_the_effective_order_vectors_as_corpus_chrf(string[] hypotheses, string[] references, double expected)
    {
        var options = new ChrfOptions { Beta = 3 };
        var summed = Summed(hypotheses, [references], options);
        Identical(Chrf.Corpus(hypotheses, [references], options), summed);
        Within(expected, summed.Score, Epsilon);
    }

    [Theory]
    [MemberData(nameof(ChrfTests.KeepWhitespaceCases), MemberType = typeof(ChrfTests))]
    public void Summed_statistics_score_the_whitespace_vectors_as_corpus_chrf(string hypothesis, string reference, double expected)
    {
        var options = new ChrfOptions { Beta = 3, Whitespace = true };
        var summed = Summed([hypothesis], [[reference]], options);
        Identical(Chrf.Corpus([hypothesis], [[reference]], options), summed);
        Within(expected, summed.Score, Epsilon);
    }

    [Theory]
    [MemberData(nameof(ChrfTests.SentenceCases), MemberType = typeof(ChrfTests))]
    public void Summed_statistics_score_the_sentence_vectors_as_sentence_chrf(string hypothesis, string reference, double expected)
    {
        var options = new ChrfOptions { EpsSmoothing = true };
        var summed = Summed([hypothesis], [[reference]], options);
        Identical(Chrf.Sentence(hypothesis, [reference], options), summed);
        Within(expected, summed.Score, Epsilon);
    }

    [Fact] // sacrebleu's README example (several references) and huggingface/evaluate's chrF and chrF++ examples
    public void Summed_statistics_score_the_library_examples_as_corpus_chrf()
    {
        IReadOnlyList<IReadOnlyList<string?>> readme =
        [
            ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
            ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
        ];
        string[] readmeHypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
        var summed = Summed(readmeHypotheses, readme, ChrfOptions.Default);
        Identical(Chrf.Corpus(readmeHypotheses, readme), summed);
        Assert.Equal("chrF2 = 59.73", summed.ToString());

        string[] predictions =
        [
            "The relationship between cats and dogs is not exactly friendly.",
            "a good bookshop is just a genteel black hole that knows how to read.",
        ];
        IReadOnlyList<IReadOnlyList<string?>> references =
        [
            ["The relationship between dogs and cats is not exactly friendly.", "A good bookshop is just a genteel Black Hole that knows how to read."],
        ];
        var chrf = Summed(predictions, references, ChrfOptions.Default);
        Identical(Chrf.Corpus(predictions, references), chrf);
        Within(84.64214891738334, chrf.Score, 1e-12);
        var chrfPlusPlus = Summed(predictions, references, ChrfOptions.ChrfPlusPlus);
        Identical(Chrf.Corpus(predictions, references, ChrfOptions.ChrfPlusPlus), chrfPlusPlus);
        Within(82.87263732906315, chrfPlusPlus.Score, 1e-12);
    }

    public static TheoryData<int> OptionSets => new() { 0, 1, 2, 3, 4, 5 };

    private static readonly ChrfOptions[] Options =
    [
        ChrfOptions.Default,
        ChrfOptions.ChrfPlusPlus,
        new() { Beta = 3, Whitespace = true },
        new() { EpsSmoothing = true, WordOrder = 1 },
        new() { CharOrder = 0, WordOrder = 2, Beta = 1 },
        new() { CharOrder = 3, WordOrder = 3, Beta = 0 },
    ];

    private const string Alphabet = "abcdeabcdeXY  .,!?()'-éß数😀\t";

    private static string RandomText(Random random, int maxLength)
    {
        var text = new StringBuilder();
        var length = random.Next(maxLength + 1);
        for (var i = 0; i < length; i++)
        {
            var at = random.Next(Alphabet.Length);
            // Keep surrogate pairs whole: 😀 is two UTF-16 units.
            if (char.IsLowSurrogate(Alphabet[at])) at--;
            text.Append(Alphabet[at]);
            if (char.IsHighSurrogate(Alphabet[at])) text.Append(Alphabet[at + 1]);
        }

        return text.ToString();
    }

    /// <summary>
    /// 200 segments with three reference streams: the first always has a reference, the others are often empty or null
    /// (so segments have one to three references); hypotheses may be empty.
    /// </summary>
    private static (string[] Hypotheses, IReadOnlyList<IReadOnlyList<string?>> References) RandomCorpus(int seed, int count = 200)
    {
        var random = new Random(seed);
        var hypotheses = new string[count];
        var streams = new string?[3][];
        for (var k = 0; k < streams.Length; k++) streams[k] = new string?[count];
        for (var i = 0; i < count; i++)
        {
            hypotheses[i] = RandomText(random, 40);
            streams[0][i] = RandomText(random, 40) is { Length: > 0 } first ? first : "a";
            streams[1][i] = random.Next(3) == 0 ? null : RandomText(random, 40);
            streams[2][i] = random.Next(2) == 0 ? "" : RandomText(random, 40);
        }

        return (hypotheses, streams);
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Summed_statistics_of_any_resample_score_as_corpus_chrf_of_the_resampled_corpus(int optionSet)
    {
        var options = Options[optionSet];
        var (hypotheses, references) = RandomCorpus(seed: optionSet);
        var statistics = Chrf.SegmentStatistics(hypotheses, references, options);

        Assert.Equal(hypotheses.Length, statistics.Length);
        Assert.All(statistics, s => Assert.Equal(Chrf.StatisticsLength(options), s.Length));
        Identical(Chrf.Corpus(hypotheses, references, options), Summed(statistics, options));

        var random = new Random(100 + optionSet);
        for (var r = 0; r < 20; r++)
        {
            // Resamples with repeats, of any size, in any order.
            var indices = Enumerable.Range(0, random.Next(1, 2 * hypotheses.Length)).Select(_ => random.Next(hypotheses.Length)).ToArray();
            var resampledReferences = references.Select(stream => (IReadOnlyList<string?>)indices.Select(i => stream[i]).ToArray()).ToArray();
            var corpus = Chrf.Corpus(indices.Select(i => hypotheses[i]).ToArray(), resampledReferences, options);
            Identical(corpus, Summed(statistics, options, indices));
        }
    }

    [Fact]
    public void A_segment_with_several_references_takes_the_statistics_of_its_best_reference()
    {
        var (hypotheses, references) = RandomCorpus(seed: 42, count: 100);
        var statistics = Chrf.SegmentStatistics(hypotheses, references);
        for (var i = 0; i < hypotheses.Length; i++)
        {
            var candidates = references.Select(stream => stream[i]).Where(r => !string.IsNullOrEmpty(r)).ToArray();
            var scores = candidates.Select(r => Chrf.Sentence(hypotheses[i], [r]).Score).ToArray();
            var best = candidates[Array.IndexOf(scores, scores.Max())];
            Assert.Equal(Chrf.SegmentStatistics([hypotheses[i]], [[best]])[0], statistics[i]);
        }
    }

    [Fact]
    public void Segment_statistics_count_hypothesis_reference_and_matching_character_ngrams()
    {
        var random = new Random(7);
        for (var t = 0; t < 50; t++)
        {
            string hypothesis = RandomText(random, 30), reference = RandomText(random, 30) is { Length: > 0 } r ? r : "x";
            var statistics = Chrf.SegmentStatistics([hypothesis], [[reference]])[0];
            for (var n = 1; n <= 6; n++)
            {
                var (ofHypothesis, ofReference) = (CharacterNGrams(hypothesis, n), CharacterNGrams(reference, n));
                var matches = ofHypothesis.Sum(g => Math.Min(g.Value, ofReference.GetValueOrDefault(g.Key)));
                // sacrebleu counts no hypothesis n-grams of an order the reference has none of.
                long[] expected = [ofReference.Count > 0 ? ofHypothesis.Values.Sum() : 0, ofReference.Values.Sum(), matches];
                Assert.Equal(expected, statistics[(3 * (n - 1))..(3 * n)]);
            }
        }
    }

    /// <summary>A naive count of the character n-grams of the text without whitespace, as Python slices strings (code points).</summary>
    private static Dictionary<string, long> CharacterNGrams(string text, int n)
    {
        var characters = text.EnumerateRunes().Where(c => !Rune.IsWhiteSpace(c)).Select(c => c.ToString()).ToArray();
        var counts = new Dictionary<string, long>();
        for (var i = 0; i + n <= characters.Length; i++)
        {
            var ngram = string.Concat(characters[i..(i + n)]);
            counts[ngram] = counts.GetValueOrDefault(ngram) + 1;
        }

        return counts;
    }

    [Fact]
    public void From_statistics_wants_three_counts_per_order()
    {
        var error = Assert.Throws<ArgumentException>(() => Chrf.FromStatistics(new long[18], ChrfOptions.ChrfPlusPlus));
        Assert.Contains("give 24 counts", error.Message);
        Assert.Equal(18, Chrf.StatisticsLength());
        Assert.Equal(0.0, Chrf.FromStatistics(new long[18]).Score);
        Assert.Throws<ArgumentException>(() => Chrf.StatisticsLength(new ChrfOptions { CharOrder = 0 }));
    }

    [Fact]
    public void Segment_statistics_need_a_reference_for_every_segment()
    {
        var error = Assert.Throws<ArgumentException>(() => Chrf.SegmentStatistics(["a", "b"], [["a", ""]]));
        Assert.Contains("segment 2 has no reference", error.Message);
    }
}
