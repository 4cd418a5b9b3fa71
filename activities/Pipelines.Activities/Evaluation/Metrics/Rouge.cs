using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// ROUGE exactly as Google's rouge_score package (0.1.2) computes it with its default tokenizer: ROUGE-N from clipped
/// n-gram counts, ROUGE-L from the longest common subsequence of the whole texts, ROUGE-Lsum from the summary-level
/// LCS over sentences separated by newlines (the union of each reference sentence's LCS with every prediction
/// sentence, each token counted at most as often as it occurs on both sides, as ROUGE-1.5.5 does).
/// </summary>
/// <remarks>
/// ROUGE-Lsum splits on "\n" only (rouge_score's default, <c>split_summaries=False</c>): on one-line texts it equals
/// ROUGE-L. Several references: <see cref="Score(string, IReadOnlyList{string}, bool)"/> keeps, for each type, the
/// reference with the highest F-measure (rouge_score's <c>score_multi</c>).
/// </remarks>
public static class Rouge
{
    /// <summary>ROUGE-1, -2, -L and -Lsum of <paramref name="prediction"/> against <paramref name="reference"/>.</summary>
    /// <param name="stem">Stem tokens longer than three characters with NLTK's Porter stemmer (rouge_score's <c>use_stemmer</c>).</param>
    public static RougeScores Score(string prediction, string reference, bool stem = false)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(reference);
        var vocabulary = new NGramVocabulary();
        return Score(Prepare(prediction, stem, vocabulary), Prepare(reference, stem, vocabulary), vocabulary);
    }

    /// <summary>
    /// The scores against several references: for each type, the score of the reference with the highest F-measure
    /// (the first on ties), as rouge_score's <c>score_multi</c>. Null references are skipped.
    /// </summary>
    public static RougeScores Score(string prediction, IReadOnlyList<string?> references, bool stem = false)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(references);
        return ScoreMulti(prediction, references, stem, new NGramVocabulary());
    }

    /// <summary>
    /// The mean over segments of each type's precision, recall and F-measure. <paramref name="references"/> holds one
    /// stream per reference set, each aligned with <paramref name="predictions"/> (sacrebleu's layout): segment i is
    /// scored against <c>references[k][i]</c> for every k, keeping the best reference per type.
    /// </summary>
    public static RougeScores Corpus(IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string?>> references, bool stem = false)
    {
        var segments = ReferenceStreams.BySegment(predictions, references, dropEmpty: false);
        var vocabulary = new NGramVocabulary();
        var sums = new double[4, 3];
        for (var i = 0; i < predictions.Count; i++)
        {
            var scores = ScoreMulti(predictions[i], segments[i], stem, vocabulary);
            var type = 0;
            foreach (var (_, score) in scores.ByName())
            {
                sums[type, 0] += score.Precision;
                sums[type, 1] += score.Recall;
                sums[type, 2] += score.FMeasure;
                type++;
            }
        }

        RougeScore Mean(int type) =>
            new(sums[type, 0] / predictions.Count, sums[type, 1] / predictions.Count, sums[type, 2] / predictions.Count);
        return new RougeScores(Mean(0), Mean(1), Mean(2), Mean(3));
    }

    /// <summary>ROUGE-N for any n ≥ 1 (rouge_score's rouge1 … rouge9).</summary>
    public static RougeScore NGrams(string prediction, string reference, int n, bool stem = false)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var vocabulary = new NGramVocabulary();
        var ngrams = vocabulary.SortedNGrams([Prepare(prediction, stem, vocabulary).Tokens, Prepare(reference, stem, vocabulary).Tokens], n);
        return Overlap(ngrams[0][n - 1], ngrams[1][n - 1]);
    }

    private static RougeScores ScoreMulti(string prediction, IReadOnlyList<string?> references, bool stem, NGramVocabulary vocabulary)
    {
        var predicted = Prepare(prediction, stem, vocabulary);
        RougeScores? best = null;
        foreach (var reference in references)
        {
            if (reference is null) continue;
            var scores = Score(predicted, Prepare(reference, stem, vocabulary), vocabulary);
            best = best is null ? scores : new RougeScores(
                Better(best.Rouge1, scores.Rouge1), Better(best.Rouge2, scores.Rouge2),
                Better(best.RougeL, scores.RougeL), Better(best.RougeLsum, scores.RougeLsum));
        }

        return best ?? throw new ArgumentException("a prediction needs at least one reference", nameof(references));

        static RougeScore Better(RougeScore kept, RougeScore candidate) => candidate.FMeasure > kept.FMeasure ? candidate : kept;
    }

    private static RougeScores Score(Text prediction, Text reference, NGramVocabulary vocabulary)
    {
        var ngrams = vocabulary.SortedNGrams([prediction.Tokens, reference.Tokens], 2);
        var rougeL = LcsScore(prediction.Tokens, reference.Tokens);
        // With one sentence on each side the summary-level LCS is the LCS (no token of an LCS can exceed its count on
        // either side), so one-line segments, the usual case, skip the second table.
        var rougeLsum = prediction.Sentences.Length == 1 && reference.Sentences.Length == 1
            ? rougeL
            : SummaryLevelLcsScore(prediction.Sentences, reference.Sentences);
        return new RougeScores(Overlap(ngrams[0][0], ngrams[1][0]), Overlap(ngrams[0][1], ngrams[1][1]), rougeL, rougeLsum);
    }

    /// <summary>ROUGE-N from the n-gram multisets: clipped matches over each side's count (at least 1).</summary>
    private static RougeScore Overlap(ulong[] predicted, ulong[] expected)
    {
        var overlap = NGramVocabulary.CountCommon(predicted, expected);
        return RougeScore.Of((double)overlap / Math.Max(predicted.Length, 1), (double)overlap / Math.Max(expected.Length, 1));
    }

    private static RougeScore LcsScore(int[] prediction, int[] reference)
    {
        if (prediction.Length == 0 || reference.Length == 0) return RougeScore.Zero;
        var lcs = LongestCommonSubsequence.Length(reference, prediction);
        return RougeScore.Of((double)lcs / prediction.Length, (double)lcs / reference.Length);
    }

    private static RougeScore SummaryLevelLcsScore(int[][] prediction, int[][] reference)
    {
        var predictedTokens = prediction.Sum(s => s.Length);
        var referenceTokens = reference.Sum(s => s.Length);
        if (predictedTokens == 0 || referenceTokens == 0) return RougeScore.Zero;

        // A token counts as a hit at most as often as it occurs in each summary.
        var referenceLeft = new Dictionary<int, int>();
        var predictionLeft = new Dictionary<int, int>();
        foreach (var sentence in reference)
        {
            foreach (var t in sentence) CollectionsMarshal.GetValueRefOrAddDefault(referenceLeft, t, out _)++;
        }

        foreach (var sentence in prediction)
        {
            foreach (var t in sentence) CollectionsMarshal.GetValueRefOrAddDefault(predictionLeft, t, out _)++;
        }

        var hits = 0;
        foreach (var sentence in reference)
        {
            var inUnion = new bool[sentence.Length];
            foreach (var candidate in prediction) LongestCommonSubsequence.Mark(sentence, candidate, inUnion);
            for (var i = 0; i < sentence.Length; i++)
            {
                if (!inUnion[i]) continue;
                ref var r = ref CollectionsMarshal.GetValueRefOrNullRef(referenceLeft, sentence[i]);
                ref var p = ref CollectionsMarshal.GetValueRefOrNullRef(predictionLeft, sentence[i]);
                if (Unsafe.IsNullRef(ref p) || r == 0 || p == 0) continue;
                hits++;
                r--;
                p--;
            }
        }

        return RougeScore.Of((double)hits / predictedTokens, (double)hits / referenceTokens);
    }

    private static Text Prepare(string text, bool stem, NGramVocabulary vocabulary)
    {
        var words = new List<string>();
        int[] Ids(ReadOnlySpan<char> piece)
        {
            words.Clear();
            RougeTokenizer.Tokenize(piece, stem, words);
            var ids = new int[words.Count];
            for (var i = 0; i < ids.Length; i++) ids[i] = vocabulary.Word(words[i]);
            return ids;
        }

        var tokens = Ids(text);
        if (!text.Contains('\n')) return new Text(tokens, text.Length > 0 ? [tokens] : []);

        var sentences = new List<int[]>();
        foreach (var range in text.AsSpan().Split('\n'))
        {
            if (range.End.Value > range.Start.Value) sentences.Add(Ids(text.AsSpan()[range]));
        }

        return new Text(tokens, [.. sentences]);
    }

    /// <summary>A text's token ids, whole and per non-empty line (rouge_score's sentences for ROUGE-Lsum).</summary>
    private sealed record Text(int[] Tokens, int[][] Sentences);
}
