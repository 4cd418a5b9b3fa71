namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// BLEU exactly as sacrebleu (2.x) computes it: each segment tokenized (<see cref="BleuTokenizer"/>), n-gram matches
/// clipped by the highest count of that n-gram in any of the segment's references, the closest reference length (the
/// shorter on ties) for the brevity penalty, statistics summed over the corpus, then smoothed
/// (<see cref="BleuSmoothing"/>) and combined as the geometric mean of the precisions times the brevity penalty.
/// </summary>
/// <remarks>
/// References come in sacrebleu's layout: one stream per reference set, each aligned with the hypotheses; an empty or
/// null reference means that segment has fewer references, and a segment with none is an error (as in sacrebleu).
/// Hypotheses are never dropped: an empty one scores nothing.
/// </remarks>
public static class Bleu
{
    /// <summary>Corpus BLEU (sacrebleu's <c>corpus_bleu</c>).</summary>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string?>> references, BleuOptions? options = null)
    {
        options = Checked(options);
        var segments = ReferenceStreams.BySegment(hypotheses, references, dropEmpty: true);
        var counter = new SegmentCounter(options);
        var statistics = new long[2 + 2 * options.MaxNgramOrder];
        for (var i = 0; i < segments.Length; i++) counter.Add(hypotheses[i], segments[i], statistics);
        return FromStatistics(statistics, options, options.EffectiveOrder ?? false);
    }

    /// <summary>Sentence BLEU (sacrebleu's <c>sentence_bleu</c>: effective order on unless the options turn it off).</summary>
    public static BleuScore Sentence(string hypothesis, IReadOnlyList<string?> references, BleuOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(references);
        return Sentences([hypothesis], references.Select(r => (IReadOnlyList<string?>)[r]).ToArray(), options)[0];
    }

    /// <summary>Sentence BLEU of every segment of a corpus, references in the layout of <see cref="Corpus"/>.</summary>
    public static IReadOnlyList<BleuScore> Sentences(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string?>> references, BleuOptions? options = null)
    {
        options = Checked(options);
        var segments = ReferenceStreams.BySegment(hypotheses, references, dropEmpty: true);
        var counter = new SegmentCounter(options);
        var scores = new BleuScore[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            var statistics = new long[2 + 2 * options.MaxNgramOrder];
            counter.Add(hypotheses[i], segments[i], statistics);
            scores[i] = FromStatistics(statistics, options, options.EffectiveOrder ?? true);
        }

        return scores;
    }

    /// <summary>
    /// BLEU from sufficient statistics (sacrebleu's <c>compute_bleu</c>): matched and total n-grams per order, and the
    /// hypothesis and reference lengths. Effective order is off unless the options turn it on.
    /// </summary>
    public static BleuScore FromStatistics(
        IReadOnlyList<long> correct, IReadOnlyList<long> total, long hypothesisLength, long referenceLength, BleuOptions? options = null)
    {
        options = Checked(options);
        if (correct.Count != options.MaxNgramOrder || total.Count != options.MaxNgramOrder)
        {
            throw new ArgumentException($"give counts for each of the {options.MaxNgramOrder} orders");
        }

        long[] statistics = [hypothesisLength, referenceLength, .. correct, .. total];
        return FromStatistics(statistics, options, options.EffectiveOrder ?? false);
    }

    private static BleuOptions Checked(BleuOptions? options)
    {
        options ??= BleuOptions.Default;
        if (options.MaxNgramOrder < 1) throw new ArgumentException("BLEU needs a maximum n-gram order of 1 or more", nameof(options));
        return options;
    }

    /// <summary>statistics: [hypothesis length, reference length, correct per order..., total per order...].</summary>
    private static BleuScore FromStatistics(long[] statistics, BleuOptions options, bool effectiveOrder)
    {
        var orders = options.MaxNgramOrder;
        long hypothesisLength = statistics[0], referenceLength = statistics[1];
        var counts = statistics.AsSpan(2, orders).ToArray();
        var totals = statistics.AsSpan(2 + orders, orders).ToArray();

        var brevityPenalty = hypothesisLength < referenceLength
            ? hypothesisLength > 0 ? Math.Exp(1 - (double)referenceLength / hypothesisLength) : 0.0
            : 1.0;
        var ratio = referenceLength > 0 ? (double)hypothesisLength / referenceLength : 0;
        var precisions = new double[orders];
        BleuScore Result(double score) => new(score, precisions, brevityPenalty, ratio, hypothesisLength, referenceLength, counts, totals);

        // No match at all scores 0 whatever the smoothing (sacrebleu #141).
        if (counts.All(c => c == 0)) return Result(0.0);

        var smoothValue = options.EffectiveSmoothValue;
        var mtevalFactor = 1.0;
        var effective = orders;
        for (var n = 1; n <= orders; n++)
        {
            double matched = counts[n - 1], seen = totals[n - 1];
            if (options.Smoothing == BleuSmoothing.AddK && n > 1)
            {
                matched += smoothValue;
                seen += smoothValue;
            }

            if (seen == 0) break;
            if (effectiveOrder) effective = n;

            if (matched != 0)
            {
                precisions[n - 1] = 100.0 * matched / seen;
            }
            else if (options.Smoothing == BleuSmoothing.Exp)
            {
                mtevalFactor *= 2;
                precisions[n - 1] = 100.0 / (mtevalFactor * seen);
            }
            else if (options.Smoothing == BleuSmoothing.Floor)
            {
                precisions[n - 1] = 100.0 * smoothValue / seen;
            }
        }

        var logSum = 0.0;
        for (var n = 0; n < effective; n++) logSum += precisions[n] == 0.0 ? -9999999999 : Math.Log(precisions[n]);
        return Result(brevityPenalty * Math.Exp(logSum / effective));
    }

    /// <summary>Counts one segment's BLEU statistics; keeps its buffers between segments.</summary>
    private sealed class SegmentCounter(BleuOptions options)
    {
        private readonly TokenizedLine _line = new();
        private readonly NGramVocabulary _vocabulary = new();

        /// <summary>Adds the segment's statistics to <paramref name="statistics"/> (the layout of <see cref="FromStatistics(long[], BleuOptions, bool)"/>).</summary>
        public void Add(string hypothesis, List<string> references, long[] statistics)
        {
            var orders = options.MaxNgramOrder;
            int[][] texts = [Tokenize(hypothesis), .. references.Select(Tokenize)];
            var ngrams = _vocabulary.SortedNGrams(texts, orders);
            var hypothesisLength = texts[0].Length;

            // For each distinct hypothesis n-gram (at the start of its run in the sorted array), its highest count in any reference.
            var inReferences = ngrams[0].Select(h => new int[h.Length]).ToArray();
            var closestLength = -1;
            var closestDistance = -1;
            for (var k = 1; k < texts.Length; k++)
            {
                var length = texts[k].Length;
                var distance = Math.Abs(hypothesisLength - length);
                if (closestDistance == -1 || distance < closestDistance || (distance == closestDistance && length < closestLength))
                {
                    closestDistance = distance;
                    closestLength = length;
                }

                for (var n = 0; n < orders; n++) KeepHighestCounts(ngrams[0][n], ngrams[k][n], inReferences[n]);
            }

            statistics[0] += hypothesisLength;
            statistics[1] += closestLength;
            for (var n = 0; n < orders; n++)
            {
                var hypothesisNGrams = ngrams[0][n];
                statistics[2 + orders + n] += hypothesisNGrams.Length;
                for (var start = 0; start < hypothesisNGrams.Length;)
                {
                    var end = RunEnd(hypothesisNGrams, start);
                    statistics[2 + n] += Math.Min(end - start, inReferences[n][start]);
                    start = end;
                }
            }
        }

        private static void KeepHighestCounts(ulong[] hypothesis, ulong[] reference, int[] highest)
        {
            int i = 0, j = 0;
            while (i < hypothesis.Length && j < reference.Length)
            {
                if (hypothesis[i] < reference[j])
                {
                    i = RunEnd(hypothesis, i);
                }
                else if (hypothesis[i] > reference[j])
                {
                    j++;
                }
                else
                {
                    var end = RunEnd(reference, j);
                    highest[i] = Math.Max(highest[i], end - j);
                    j = end;
                    i = RunEnd(hypothesis, i);
                }
            }
        }

        /// <summary>Where the run of equal ids starting at <paramref name="start"/> ends.</summary>
        private static int RunEnd(ulong[] sorted, int start)
        {
            var end = start + 1;
            while (end < sorted.Length && sorted[end] == sorted[start]) end++;
            return end;
        }

        /// <summary>The ids of the segment's tokens.</summary>
        private int[] Tokenize(string segment)
        {
            _line.Tokenize(segment, options.Tokenizer);
            var ids = new int[_line.Tokens.Count];
            for (var i = 0; i < ids.Length; i++) ids[i] = _vocabulary.Word(_line.Text[_line.Tokens[i]]);
            return ids;
        }
    }
}
