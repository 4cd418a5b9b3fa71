using System.Security.Cryptography;

namespace Pipelines.Runtime;

/// <summary>
/// Run ids: 48 bits of milliseconds then 32 bits in lower-case Crockford base32, so they sort by time. The 32 bits are
/// random for the first id of a millisecond and count up from there for the next ones (as monotonic ULIDs do): ids
/// made by one process never repeat, however many runs start in the same millisecond, and still sort in the order
/// they were made. (A run's row is written with an upsert, so a repeated id would merge two runs.)
/// </summary>
public static class RunId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    private static readonly Lock Gate = new();
    private static ulong s_lastMilliseconds;
    private static uint s_lastLow;

    public static string New(TimeProvider time)
    {
        var milliseconds = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        uint low;
        lock (Gate)
        {
            if (milliseconds <= s_lastMilliseconds)
            {
                // The same millisecond (or a clock that stepped back): count on from the last id.
                milliseconds = s_lastMilliseconds;
                low = unchecked(s_lastLow + 1);
                if (low == 0) milliseconds++; // 2^32 ids in one millisecond: borrow the next one
            }
            else
            {
                Span<byte> bytes = stackalloc byte[4];
                RandomNumberGenerator.Fill(bytes);
                low = BitConverter.ToUInt32(bytes) >> 1; // room to count up before the millisecond would have to change
            }

            (s_lastMilliseconds, s_lastLow) = (milliseconds, low);
        }

        var value = (UInt128)milliseconds << 32 | low;
        Span<char> text = stackalloc char[16];
        for (var i = text.Length - 1; i >= 0; i--)
        {
            text[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(text);
    }

    public static bool IsValid(string? id) => id is { Length: 16 } && id.All(c => Alphabet.Contains(c));
}
