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
        options ??= ChrfOptions.Default;
        if (options.CharOrder < 0 || options.WordOrder < 0 || options.CharOrder + options.WordOrder == 0)
        {
            throw new ArgumentException("chrF needs a character or word n-gram order of 1 or more", nameof(options));
        }

        var segments = ReferenceStreams.BySegment(hypotheses, references, dropEmpty: true);
        var counter = new SegmentCounter(options);
        var statistics = new long[3 * (options.CharOrder + options.WordOrder)];
        for (var i = 0; i < segments.Length; i++) counter.Add(hypotheses[i], segments[i], statistics);
        return new ChrfScore(FScore(statistics, options), options.CharOrder, options.WordOrder, options.Beta);
    }

    /// <summary>Sentence chrF (sacrebleu's <c>sentence_chrf</c>): the corpus score of one segment.</summary>
    public static ChrfScore Sentence(string hypothesis, IReadOnlyList<string?> references, ChrfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(references);
        return Corpus([hypothesis], references.Select(r => (IReadOnlyList<string?>)[r]).ToArray(), options);
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

        public void Add(string hypothesis, List<string> references, long[] statistics)
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
                var candidate = new long[statistics.Length];
                for (var n = 0; n < hypothesisNGrams.Length; n++) Match(hypothesisNGrams[n], referenceNGrams[n], candidate.AsSpan(3 * n, 3));
                var score = FScore(candidate, options);
                if (score > bestScore)
                {
                    bestScore = score;
                    best = candidate;
                }
            }

            for (var i = 0; i < statistics.Length; i++) statistics[i] += best![i];
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
