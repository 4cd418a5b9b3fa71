using System.Security.Cryptography;

namespace Pipelines.Runtime;

/// <summary>Run ids: 48 bits of milliseconds then 32 random bits in lower-case Crockford base32, so they sort by time.</summary>
public static class RunId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string New(TimeProvider time)
    {
        var milliseconds = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        Span<byte> bytes = stackalloc byte[4];
        RandomNumberGenerator.Fill(bytes);
        var random = BitConverter.ToUInt32(bytes);
        var value = (UInt128)milliseconds << 32 | random;
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
