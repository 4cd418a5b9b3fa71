namespace Pipelines.Activities.Data;

/// <summary>
/// Groups near duplicates by locality-sensitive hashing over MinHash signatures: each signature is cut into
/// <c>bands</c> bands of <c>rows</c> slots; documents whose band hashes collide in any band are candidates, a candidate
/// pair whose estimated similarity reaches the threshold is joined, and groups are the connected components
/// (union-find). The probability that a pair of similarity s becomes a candidate is 1 - (1 - s^rows)^bands.
/// </summary>
internal sealed class MinHashDeduplicator
{
    private readonly int _bands;
    private readonly int _rows;
    private readonly double _threshold;

    public MinHashDeduplicator(int permutations, int bands, double threshold)
    {
        if (bands < 1 || permutations % bands != 0)
            throw new ArgumentException($"bands ({bands}) must divide permutations ({permutations})", nameof(bands));
        _bands = bands;
        _rows = permutations / bands;
        _threshold = threshold;
    }

    /// <summary>
    /// For each document, the first document (lowest index) of its near-duplicate group; itself when it has none.
    /// <paramref name="pairs"/>, when given, receives every verified pair (lower index first) with its estimated similarity.
    /// </summary>
    public int[] Group(IReadOnlyList<uint[]> signatures, List<(int First, int Second, double Similarity)>? pairs = null, CancellationToken ct = default)
    {
        var n = signatures.Count;
        var parent = new int[n];
        for (var i = 0; i < n; i++) parent[i] = i;
        var verified = pairs is null ? null : new HashSet<long>();
        var next = new int[n];
        var buckets = new Dictionary<ulong, int>(n);

        for (var band = 0; band < _bands; band++)
        {
            ct.ThrowIfCancellationRequested();
            buckets.Clear();
            for (var d = 0; d < n; d++)
            {
                var key = BandKey(signatures[d].AsSpan(band * _rows, _rows), band);
                if (!buckets.TryGetValue(key, out var head))
                {
                    next[d] = -1;
                    buckets[key] = d;
                    continue;
                }

                for (var m = head; m != -1; m = next[m])
                {
                    if (verified is null ? Find(parent, m) == Find(parent, d) : !verified.Add(((long)m << 32) | (uint)d)) continue;
                    var similarity = MinHasher.Similarity(signatures[m], signatures[d]);
                    if (similarity < _threshold) continue;
                    Union(parent, m, d);
                    pairs?.Add((m, d, similarity));
                }

                next[d] = head;
                buckets[key] = d;
            }
        }

        var first = new int[n];
        for (var i = 0; i < n; i++) first[i] = Find(parent, i);
        return first;
    }

    private static ulong BandKey(ReadOnlySpan<uint> rows, int band)
    {
        var h = (ulong)band;
        foreach (var value in rows) h = StableHash.Combine(h, value);
        return h;
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }

    // The lower index becomes the root, so a group's root is its first document.
    private static void Union(int[] parent, int a, int b)
    {
        a = Find(parent, a);
        b = Find(parent, b);
        if (a == b) return;
        if (a < b) parent[b] = a;
        else parent[a] = b;
    }
}
