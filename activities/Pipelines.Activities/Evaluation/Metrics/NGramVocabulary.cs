using System.Numerics;

namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// Turns texts into n-gram multisets that compare as integers rather than as strings or tuples. Words get ids that last
/// as long as the vocabulary; code points are their own ids. Within one segment (a hypothesis and its references) the
/// ids are renumbered densely, and an n-gram becomes its n dense ids packed into one 64-bit key when they fit (almost
/// always: 10 bits cover 1,024 distinct characters for 6-grams), else a key numbered through a dictionary. Either way
/// two n-grams of the same order have the same key exactly when they are equal.
/// </summary>
internal sealed class NGramVocabulary
{
    private const int FirstWordId = 0x110000;

    private readonly Dictionary<string, int> _words = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wordLookup;
    private readonly Dictionary<int, int> _dense = [];
    private readonly Dictionary<(ulong Prefix, int Last), ulong> _numbered = [];

    public NGramVocabulary() => _wordLookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The id of a word: above every code point, so words and characters never share one.</summary>
    public int Word(ReadOnlySpan<char> word)
    {
        if (!_wordLookup.TryGetValue(word, out var id))
        {
            id = FirstWordId + _words.Count;
            _wordLookup[word] = id;
        }

        return id;
    }

    /// <summary>
    /// The n-grams of orders 1..<paramref name="maxOrder"/> of each text of one segment (token ids):
    /// <c>result[text][n - 1]</c> is the sorted array of the text's order-n keys, one per position.
    /// </summary>
    public ulong[][][] SortedNGrams(IReadOnlyList<int[]> texts, int maxOrder)
    {
        _dense.Clear();
        var dense = new int[texts.Count][];
        for (var t = 0; t < texts.Count; t++)
        {
            dense[t] = new int[texts[t].Length];
            for (var i = 0; i < dense[t].Length; i++)
            {
                if (!_dense.TryGetValue(texts[t][i], out var id)) _dense[texts[t][i]] = id = _dense.Count;
                dense[t][i] = id;
            }
        }

        var bits = Math.Max(32 - BitOperations.LeadingZeroCount((uint)Math.Max(_dense.Count - 1, 1)), 1);
        var packed = bits * maxOrder <= 64;
        _numbered.Clear();
        var result = new ulong[texts.Count][][];
        for (var t = 0; t < texts.Count; t++)
        {
            var tokens = dense[t];
            result[t] = new ulong[maxOrder][];
            var previous = Array.ConvertAll(tokens, id => (ulong)id);
            for (var n = 1; n <= maxOrder; n++)
            {
                var keys = n == 1 ? previous : new ulong[Math.Max(tokens.Length - n + 1, 0)];
                for (var i = 0; n > 1 && i < keys.Length; i++)
                {
                    // The n-gram at i is the (n-1)-gram at i followed by token i+n-1.
                    keys[i] = packed ? (previous[i] << bits) | (uint)tokens[i + n - 1] : Number(previous[i], tokens[i + n - 1]);
                }

                previous = keys;
                result[t][n - 1] = (ulong[])keys.Clone();
                Array.Sort(result[t][n - 1]);
            }
        }

        return result;
    }

    private ulong Number(ulong prefix, int last)
    {
        if (!_numbered.TryGetValue((prefix, last), out var key)) _numbered[(prefix, last)] = key = (ulong)_numbered.Count;
        return key;
    }

    /// <summary>The size of the intersection of two sorted multisets: the sum over n-grams of the smaller count.</summary>
    public static int CountCommon(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        int i = 0, j = 0, common = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] < b[j])
            {
                i++;
            }
            else if (a[i] > b[j])
            {
                j++;
            }
            else
            {
                common++;
                i++;
                j++;
            }
        }

        return common;
    }
}
