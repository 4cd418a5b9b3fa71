namespace Pipelines.Activities.Models.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: each of the 256 byte values is shown as one printable character (printable ASCII and
/// Latin-1 stand for themselves; the rest, space included, move to U+0100 and up, so a space is <c>Ġ</c>). Byte-level
/// BPE vocabularies are written in this alphabet.
/// </summary>
internal static class ByteLevel
{
    /// <summary>GPT-2's pre-tokenization: contractions, letters, digits, other symbols, whitespace runs.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static readonly char[] CharOfByte = Build();

    private static char[] Build()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }

        return map;
    }

    /// <summary>The byte-level spelling of <paramref name="text"/>'s UTF-8 bytes.</summary>
    public static string Encode(string text) => new(System.Text.Encoding.UTF8.GetBytes(text).Select(b => CharOfByte[b]).ToArray());
}
