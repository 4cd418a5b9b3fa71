using System.Buffers;

namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// chrF (Popović 2015) and chrF++ (Popović 2017) exactly as sacrebleu (2.x) computes them: character n-grams of each
/// order over the text without whitespace (code points, as Python indexes strings), optional word n-grams over words
/// with one leading or trailing ASCII punctuation mark split off, [hypothesis, reference, match] counts per order, the
/// best reference of each segment chosen by its own F-score, statistics summed over the corpus, then precision and
/// recall averaged over the orders both sides have n-grams of and combined into one F-beta score.
/// </summary>
/// <remarks>
/// References come in sacrebleu's layout (see <see cref="Bleu"/>): empty or null references are skipped, and a segment
/// left with none is an error.
/// </remarks>
public static class Chrf
{
    private const double Epsilon = 1e-16;

    /// <summary>Corpus chrF (sacrebleu's <c>corpus_chrf</c>); <see cref="ChrfOptions.ChrfPlusPlus"/> gives chrF++.</summary>
    public static ChrfScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string?>> references, ChrfOptions? options = null)
    {
        options = Checked(options);
        var statistics = new long[StatisticsLength(options)];
        foreach (var segment in SegmentStatistics(hypotheses, references, options)) Add(statistics, segment);
        return FromStatistics(statistics, options);
    }

    /// <summary>Sentence chrF (sacrebleu's <c>sentence_chrf</c>): the corpus score of one segment.</summary>
    public static ChrfScore Sentence(string hypothesis, IReadOnlyList<string?> references, ChrfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(references);
        return Corpus([hypothesis], references.Select(r => (IReadOnlyList<string?>)[r]).ToArray(), options);
    }

    /// <summary>
    /// The sufficient statistics of each segment (sacrebleu's <c>_extract_corpus_statistics</c>), references in the
    /// layout of <see cref="Corpus"/>: per order, character orders 1..<see cref="ChrfOptions.CharOrder"/> then word
    /// orders 1..<see cref="ChrfOptions.WordOrder"/>, [hypothesis n-grams, reference n-grams, matching n-grams], taken
    /// from the segment's reference with the best sentence chrF (the first on ties). Summed over any choice of segments
    /// (with repeats, in any order) and given to <see cref="FromStatistics"/>, they score exactly as <see cref="Corpus"/>
    /// on those segments: <see cref="Corpus"/> does just that.
    /// </summary>
    public static long[][] SegmentStatistics(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string?>> references, ChrfOptions? options = null)
    {
        options = Checked(options);
        var segments = ReferenceStreams.BySegment(hypotheses, references, dropEmpty: true);
        var counter = new SegmentCounter(options);
        var statistics = new long[segments.Length][];
        for (var i = 0; i < segments.Length; i++) statistics[i] = counter.Best(hypotheses[i], segments[i]);
        return statistics;
    }

    /// <summary>
    /// chrF from sufficient statistics summed over segments (sacrebleu's <c>_compute_score_from_stats</c>), in the layout
    /// of <see cref="SegmentStatistics"/>: <see cref="StatisticsLength"/> counts.
    /// </summary>
    public static ChrfScore FromStatistics(IReadOnlyList<long> statistics, ChrfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        options = Checked(options);
        var length = StatisticsLength(options);
        if (statistics.Count != length)
        {
            throw new ArgumentException(
                $"give {length} counts (hypothesis, reference and matching n-grams for each of the {length / 3} orders), not {statistics.Count}", nameof(statistics));
        }

        var values = statistics as long[] ?? [.. statistics];
        return new ChrfScore(FScore(values, options), options.CharOrder, options.WordOrder, options.Beta);
    }

    /// <summary>How many counts one segment's statistics hold: 3 per order, character and word.</summary>
    public static int StatisticsLength(ChrfOptions? options = null)
    {
        options = Checked(options);
        return 3 * (options.CharOrder + options.WordOrder);
    }

    /// <summary>Adds <paramref name="segment"/>'s statistics to <paramref name="sum"/>, count by count.</summary>
    public static void Add(Span<long> sum, ReadOnlySpan<long> segment)
    {
        if (sum.Length != segment.Length) throw new ArgumentException($"{segment.Length} counts to add to {sum.Length}", nameof(segment));
        for (var i = 0; i < sum.Length; i++) sum[i] += segment[i];
    }

    private static ChrfOptions Checked(ChrfOptions? options)
    {
        options ??= ChrfOptions.Default;
        if (options.CharOrder < 0 || options.WordOrder < 0 || options.CharOrder + options.WordOrder == 0)
        {
            throw new ArgumentException("chrF needs a character or word n-gram order of 1 or more", nameof(options));
        }

        return options;
    }

    /// <summary>sacrebleu's <c>_compute_f_score</c> over [hypothesis, reference, match] triples, one per order.</summary>
    private static double FScore(ReadOnlySpan<long> statistics, ChrfOptions options)
    {
        var orders = options.CharOrder + options.WordOrder;
        double factor = options.Beta * options.Beta;
        double score = 0, averagePrecision = 0, averageRecall = 0;
        var effectiveOrder = 0;
        for (var i = 0; i < orders; i++)
        {
            long hypothesis = statistics[3 * i], reference = statistics[3 * i + 1], match = statistics[3 * i + 2];
            var precision = hypothesis > 0 ? (double)match / hypothesis : Epsilon;
            var recall = reference > 0 ? (double)match / reference : Epsilon;
            var denominator = factor * precision + recall;
            score += denominator > 0 ? (1 + factor) * precision * recall / denominator : Epsilon;
            if (hypothesis > 0 && reference > 0)
            {
                averagePrecision += precision;
                averageRecall += recall;
                effectiveOrder++;
            }
        }

        if (options.EpsSmoothing) return 100 * score / orders;

        if (effectiveOrder == 0) return 0.0;
        averagePrecision /= effectiveOrder;
        averageRecall /= effectiveOrder;
        if (averagePrecision + averageRecall == 0) return 0.0;
        score = (1 + factor) * averagePrecision * averageRecall;
        score /= factor * averagePrecision + averageRecall;
        return 100 * score;
    }

    /// <summary>Counts one segment's statistics against its best reference; keeps its buffers between segments.</summary>
    private sealed class SegmentCounter(ChrfOptions options)
    {
        private static readonly SearchValues<char> Punctuation = SearchValues.Create("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

        private readonly NGramVocabulary _vocabulary = new();
        private readonly List<int> _ids = [];
        private readonly List<Range> _words = [];

        /// <summary>The segment's statistics against the reference with the best F-score (the first on ties).</summary>
        public long[] Best(string hypothesis, List<string> references)
        {
            // Text 0 is the hypothesis, text k the k-th reference; each text's n-grams: character orders, then word orders.
            string[] texts = [hypothesis, .. references];
            var characters = _vocabulary.SortedNGrams(texts.Select(CodePoints).ToArray(), options.CharOrder);
            var words = options.WordOrder > 0 ? _vocabulary.SortedNGrams(texts.Select(WordIds).ToArray(), options.WordOrder) : null;
            ulong[][] NGrams(int text) => words is null ? characters[text] : [.. characters[text], .. words[text]];

            var hypothesisNGrams = NGrams(0);
            long[]? best = null;
            var bestScore = -1.0;
            for (var k = 1; k < texts.Length; k++)
            {
                var referenceNGrams = NGrams(k);
                var candidate = new long[3 * (options.CharOrder + options.WordOrder)];
                for (var n = 0; n < hypothesisNGrams.Length; n++) Match(hypothesisNGrams[n], referenceNGrams[n], candidate.AsSpan(3 * n, 3));
                var score = FScore(candidate, options);
                if (score > bestScore)
                {
                    bestScore = score;
                    best = candidate;
                }
            }

            return best!;
        }

        private int[] CodePoints(string text)
        {
            _ids.Clear();
            PythonText.CodePoints(text, dropSpace: !options.Whitespace, _ids);
            return [.. _ids];
        }

        private int[] WordIds(string text)
        {
            _ids.Clear();
            foreach (var word in SplitPunctuation(text)) _ids.Add(_vocabulary.Word(text.AsSpan()[word]));
            return [.. _ids];
        }

        /// <summary>
        /// The words of chrF++ (sacrebleu's <c>_remove_punctuation</c>): whitespace-separated words, with a trailing, else
        /// a leading, ASCII punctuation mark split off words longer than one character ("(hi)" gives "(hi" and ")").
        /// </summary>
        private List<Range> SplitPunctuation(string text)
        {
            _words.Clear();
            var split = new List<Range>();
            PythonText.Split(text, split);
            foreach (var word in split)
            {
                var (start, length) = word.GetOffsetAndLength(text.Length);
                // A single astral character is two UTF-16 units but one Python character; neither unit is punctuation.
                if (length > 1 && Punctuation.Contains(text[start + length - 1]))
                {
                    _words.Add(start..(start + length - 1));
                    _words.Add((start + length - 1)..(start + length));
                }
                else if (length > 1 && Punctuation.Contains(text[start]))
                {
                    _words.Add(start..(start + 1));
                    _words.Add((start + 1)..(start + length));
                }
                else
                {
                    _words.Add(word);
                }
            }

            return _words;
        }

        /// <summary>sacrebleu's <c>_get_match_statistics</c>: no hypothesis n-grams count when the reference has none of that order.</summary>
        private static void Match(ulong[] hypothesis, ulong[] reference, Span<long> into)
        {
            into[0] = reference.Length > 0 ? hypothesis.Length : 0;
            into[1] = reference.Length;
            into[2] = NGramVocabulary.CountCommon(hypothesis, reference);
        }
    }
}
