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
        var merges = new List<(string, string)>();
        var vocabularyCount = 256;
        var pairCounts = new Dictionary<long, long>();
        while (vocabularyCount < target)
        {
            pairCounts.Clear();
            foreach (var (ids, count) in words)
            {
                for (var i = 0; i + 1 < ids.Count; i++)
                {
                    var key = ((long)ids[i] << 32) | (uint)ids[i + 1];
                    pairCounts[key] = pairCounts.GetValueOrDefault(key) + count;
                }
            }

            if (pairCounts.Count == 0) break;
            long best = 0, bestCount = -1;
            foreach (var (key, count) in pairCounts)
            {
                if (count > bestCount || count == bestCount && ComparePairs(key, best, symbols) < 0) (best, bestCount) = (key, count);
            }

            var (left, right) = ((int)(best >> 32), (int)(best & 0xFFFFFFFF));
            var merged = symbols[left] + symbols[right];
            merges.Add((symbols[left], symbols[right]));
            if (!idOf.TryGetValue(merged, out var mergedId))
            {
                mergedId = symbols.Count;
                symbols.Add(merged);
                idOf[merged] = mergedId;
                vocabularyCount++;
            }

            foreach (var (ids, _) in words)
            {
                for (var i = 0; i + 1 < ids.Count; i++)
                {
                    if (ids[i] == left && ids[i + 1] == right)
                    {
                        ids[i] = mergedId;
                        ids.RemoveAt(i + 1);
                    }
                }
            }
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var symbol in symbols) vocabulary[symbol] = vocabulary.Count;
        foreach (var special in specialTokens) vocabulary[special] = vocabulary.Count;
        return (vocabulary, merges);
    }

    private static int ComparePairs(long a, long b, List<string> symbols)
    {
        var left = string.CompareOrdinal(symbols[(int)(a >> 32)], symbols[(int)(b >> 32)]);
        return left != 0 ? left : string.CompareOrdinal(symbols[(int)(a & 0xFFFFFFFF)], symbols[(int)(b & 0xFFFFFFFF)]);
    }
}
