namespace Pipelines.Activities.Data;

/// <summary>
/// Hashing that is the same in every process and on every machine (unlike <see cref="HashCode"/>), because split
/// assignment and LSH buckets must not change between two runs of the same input.
/// </summary>
internal static class StableHash
{
    /// <summary>The splitmix64 finaliser: every input bit affects every output bit.</summary>
    public static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9UL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }

    public static ulong Combine(ulong seed, ulong value) => Mix(seed ^ (value + 0x9e3779b97f4a7c15UL + (seed << 6) + (seed >> 2)));

    /// <summary>A deterministic stream of pseudo-random 64-bit values (splitmix64), for MinHash coefficients.</summary>
    public static ulong[] Sequence(ulong seed, int count)
    {
        var values = new ulong[count];
        var state = seed;
        for (var i = 0; i < count; i++)
        {
            state += 0x9e3779b97f4a7c15UL;
            values[i] = Mix(state);
        }

        return values;
    }
}
