namespace Pipelines.Diagnostics;

/// <summary>
/// The optimal string alignment distance (Levenshtein plus the transposition of two adjacent characters) from one
/// pattern of at most 64 characters to many texts, bit-parallel after Hyyrö (2003): a column of the distance table is
/// two 64-bit words, so one comparison is one pass over the text rather than a table of |pattern| × |text| cells.
/// </summary>
/// <remarks>
/// What it buys: looking a 63-character name up among the 2,000 names a "did you mean" lookup may compare took a
/// table of 4,000 cells per name; 100 such lookups in a hostile 1 MiB file took 17 s, and take milliseconds this way.
/// </remarks>
internal sealed class EditDistance
{
    public const int MaxPatternLength = 64;

    private readonly int _length;
    private readonly ulong[] _ascii = new ulong[128];
    private readonly Dictionary<char, ulong> _other = [];

    public EditDistance(string pattern)
    {
        if (pattern.Length > MaxPatternLength) throw new ArgumentOutOfRangeException(nameof(pattern), $"at most {MaxPatternLength} characters");
        _length = pattern.Length;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c < 128) _ascii[c] |= 1UL << i;
            else _other[c] = _other.GetValueOrDefault(c) | (1UL << i);
        }
    }

    public int To(string text)
    {
        if (_length == 0) return text.Length;
        var vp = ~0UL; // vertical +1 deltas of the current column
        var vn = 0UL;  // vertical -1 deltas
        var d0 = 0UL;  // diagonal zero deltas
        var previousMatches = 0UL;
        var distance = _length;
        var last = 1UL << (_length - 1);
        foreach (var c in text)
        {
            var matches = c < 128 ? _ascii[c] : _other.GetValueOrDefault(c);
            var transposed = ((~d0 & matches) << 1) & previousMatches;
            d0 = (((matches & vp) + vp) ^ vp) | matches | vn | transposed;
            var hp = vn | ~(d0 | vp);
            var hn = d0 & vp;
            if ((hp & last) != 0) distance++;
            else if ((hn & last) != 0) distance--;
            hp = (hp << 1) | 1;
            hn <<= 1;
            vp = hn | ~(d0 | hp);
            vn = hp & d0;
            previousMatches = matches;
        }

        return distance;
    }
}
