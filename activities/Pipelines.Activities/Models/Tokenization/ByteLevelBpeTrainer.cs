using System.Text.RegularExpressions;

namespace Pipelines.Activities.Models.Tokenization;

/// <summary>
/// Learns a byte-level BPE vocabulary (GPT-2's scheme) from text: start from the 256 byte symbols, then repeatedly
/// merge the most frequent adjacent pair within pre-tokenized words (ties: the ordinally smallest pair, so the result
/// depends only on the text). What <c>pipelines model init</c> uses, since no pretrained tokenizer can be downloaded here.
/// </summary>
public static class ByteLevelBpeTrainer
{
    /// <summary>
    /// Learns up to <paramref name="vocabSize"/> − (number of <paramref name="specialTokens"/>) byte-level tokens from
    /// <paramref name="text"/>; fewer when the text runs out of pairs. Returns the vocabulary (bytes first, then merges in
    /// order, then the special tokens) and the merges in priority order.
    /// </summary>
    public static (Dictionary<string, int> Vocabulary, List<(string Left, string Right)> Merges) Train(string text, int vocabSize, IReadOnlyList<string> specialTokens)
    {
        var target = vocabSize - specialTokens.Count;
        if (target < 256) throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"a byte-level vocabulary needs at least {256 + specialTokens.Count} tokens (256 bytes and the special tokens)");

        var symbols = Enumerable.Range(0, 256).Select(b => ByteLevel.CharOfByte[b].ToString()).ToList();
        var idOf = symbols.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i, StringComparer.Ordinal);

        // Each distinct pre-tokenized word once, as symbol ids, with its count.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match m in Regex.Matches(text, ByteLevel.Gpt2Pattern))
        {
            var word = ByteLevel.Encode(m.Value);
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }

        var words = counts.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => (Ids: w.Key.Select(c => idOf[c.ToString()]).ToList(), Count: w.Value)).ToList();
        var pairs = new PairQueue(words, symbols);
        var merges = new List<(string, string)>();
        var vocabularyCount = 256;
        while (vocabularyCount < target && pairs.TakeBest() is var (left, right))
        {
            var merged = symbols[left] + symbols[right];
            merges.Add((symbols[left], symbols[right]));
            if (!idOf.TryGetValue(merged, out var mergedId))
            {
                mergedId = symbols.Count;
                symbols.Add(merged);
                idOf[merged] = mergedId;
                vocabularyCount++;
            }

            pairs.Merge(left, right, mergedId);
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var symbol in symbols) vocabulary[symbol] = vocabulary.Count;
        foreach (var special in specialTokens) vocabulary[special] = vocabulary.Count;
        return (vocabulary, merges);
    }
}
