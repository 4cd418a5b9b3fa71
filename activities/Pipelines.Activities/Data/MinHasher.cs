using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pipelines.Activities.Data;

/// <summary>
/// MinHash signatures over word shingles: a shingle is <c>shingleSize</c> consecutive words (case-folded, see
/// <see cref="Words"/>); permutation <c>i</c> maps a shingle hash <c>x</c> to the top 32 bits of <c>a_i·x + b_i</c>
/// (mod 2^64, multiply-shift hashing) and the signature keeps each permutation's minimum. The share of equal slots in
/// two signatures estimates the Jaccard similarity of the two shingle sets.
/// </summary>
internal sealed class MinHasher
{
    private const ulong CoefficientSeed = 0x5eed_0f_d3d0_9e5UL;

    [ThreadStatic]
    private static ulong[]? t_shingles;

    [ThreadStatic]
    private static ulong[]? t_minima;

    private readonly ulong[] _a;
    private readonly ulong[] _b;

    public MinHasher(int permutations, int shingleSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permutations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shingleSize, 1);
        Permutations = permutations;
        ShingleSize = shingleSize;
        var coefficients = StableHash.Sequence(CoefficientSeed, permutations * 2);
        _a = new ulong[permutations];
        _b = new ulong[permutations];
        for (var i = 0; i < permutations; i++)
        {
            _a[i] = coefficients[2 * i] | 1; // odd multipliers are bijections mod 2^64
            _b[i] = coefficients[2 * i + 1];
        }
    }

    public int Permutations { get; }

    public int ShingleSize { get; }

    /// <summary>The signature of <paramref name="text"/>; a text with no words has the signature of the empty set (all maximal).</summary>
    public uint[] Signature(ReadOnlySpan<char> text)
    {
        var buffer = t_shingles ?? new ulong[256];
        var shingles = Shingles(text, ShingleSize, ref buffer);
        t_shingles = buffer;
        var minima = t_minima is { } m && m.Length >= Permutations ? m : t_minima = new ulong[Permutations];
        var span = minima.AsSpan(0, Permutations);
        span.Fill(ulong.MaxValue);
        foreach (var x in shingles)
        {
            Fold(x, span);
        }

        // The minimum over all 64 bits has the minimal top 32 bits too (ties in the top bits aside, which the estimate
        // does not mind), so the signature keeps 32 bits a slot.
        var signature = new uint[Permutations];
        for (var i = 0; i < signature.Length; i++) signature[i] = (uint)(span[i] >> 32);
        return signature;
    }

    /// <summary>The share of equal slots: the MinHash estimate of Jaccard similarity.</summary>
    public static double Similarity(ReadOnlySpan<uint> a, ReadOnlySpan<uint> b)
    {
        var equal = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i]) equal++;
        }

        return (double)equal / a.Length;
    }

    /// <summary>The distinct shingle hashes of <paramref name="text"/>, sorted: what exact Jaccard is computed over.</summary>
    public static ulong[] ShingleSet(ReadOnlySpan<char> text, int shingleSize)
    {
        ulong[]? buffer = null;
        var span = Shingles(text, shingleSize, ref buffer);
        span.Sort();
        var distinct = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (i == 0 || span[i] != span[i - 1]) span[distinct++] = span[i];
        }

        return span[..distinct].ToArray();
    }

    /// <summary>Exact Jaccard similarity of two sorted sets.</summary>
    public static double Jaccard(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        if (a.IsEmpty && b.IsEmpty) return 1;
        int i = 0, j = 0, common = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                common++;
                i++;
                j++;
            }
            else if (a[i] < b[j]) i++;
            else j++;
        }

        return (double)common / (a.Length + b.Length - common);
    }

    private void Fold(ulong x, Span<ulong> minima)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var a = MemoryMarshal.Cast<ulong, Vector256<ulong>>(_a.AsSpan());
            var b = MemoryMarshal.Cast<ulong, Vector256<ulong>>(_b.AsSpan());
            var m = MemoryMarshal.Cast<ulong, Vector256<ulong>>(minima);
            var vx = Vector256.Create(x);
            for (var v = 0; v < a.Length; v++)
            {
                m[v] = Vector256.Min(m[v], a[v] * vx + b[v]);
            }

            i = a.Length * Vector256<ulong>.Count;
        }

        for (; i < minima.Length; i++)
        {
            var h = _a[i] * x + _b[i];
            if (h < minima[i]) minima[i] = h;
        }
    }

    /// <summary>The hash of every shingle in text order (repeats included), in <paramref name="buffer"/> (grown as needed).</summary>
    private static Span<ulong> Shingles(ReadOnlySpan<char> text, int size, ref ulong[]? buffer)
    {
        buffer ??= new ulong[256];
        Span<ulong> window = stackalloc ulong[size];
        var words = 0;
        var count = 0;
        foreach (var word in new WordEnumerator(text))
        {
            window[words % size] = Words.Hash(word);
            words++;
            if (words < size) continue;
            if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            buffer[count++] = Shingle(window, words, size);
        }

        if (words is > 0 && words < size) buffer[count++] = Shingle(window, words, words);
        return buffer.AsSpan(0, count);
    }

    private static ulong Shingle(ReadOnlySpan<ulong> window, int words, int size)
    {
        // The words of the window in text order: the oldest sits at words % window.Length.
        var h = 0UL;
        for (var j = 0; j < size; j++)
        {
            h = h * 0x9e3779b97f4a7c15UL + window[(words - size + j) % window.Length];
        }

        return StableHash.Mix(h);
    }
}
