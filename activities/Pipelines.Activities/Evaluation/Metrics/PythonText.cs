namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// Python's text semantics where the reference implementations depend on them: <c>str.isspace</c>, <c>str.split()</c>,
/// <c>str.rstrip()</c> and indexing by code point. .NET differs in small ways that change scores
/// (<see cref="char.IsWhiteSpace(char)"/> does not count U+001C..U+001F; strings index UTF-16 units, not code points).
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace</c> for one character (every Python whitespace character is in the BMP).</summary>
    public static bool IsSpace(char c) => c switch
    {
        >= '\t' and <= '\r' => true,
        >= '\u001C' and <= ' ' => true,
        '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' => true,
        '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };

    /// <summary>Python's <c>text.rstrip()</c>.</summary>
    public static ReadOnlySpan<char> TrimEnd(ReadOnlySpan<char> text)
    {
        var end = text.Length;
        while (end > 0 && IsSpace(text[end - 1])) end--;
        return text[..end];
    }

    /// <summary>Python's <c>text.split()</c> as ranges into <paramref name="text"/>, appended to <paramref name="words"/>.</summary>
    public static void Split(ReadOnlySpan<char> text, List<Range> words)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && IsSpace(text[i])) i++;
            var start = i;
            while (i < text.Length && !IsSpace(text[i])) i++;
            if (i > start) words.Add(start..i);
        }
    }

    /// <summary>
    /// The code points of <paramref name="text"/>, as Python indexes a string; with <paramref name="dropSpace"/>, without
    /// the whitespace Python's <c>split()</c> removes. A lone surrogate counts as one code point, as it does in Python.
    /// </summary>
    public static void CodePoints(ReadOnlySpan<char> text, bool dropSpace, List<int> into)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                into.Add(char.ConvertToUtf32(c, text[i + 1]));
                i++;
            }
            else if (!dropSpace || !IsSpace(c))
            {
                into.Add(c);
            }
        }
    }

    /// <summary>Appends one code point as UTF-16.</summary>
    public static void Append(List<char> into, int codePoint)
    {
        if (codePoint < 0x10000)
        {
            into.Add((char)codePoint);
        }
        else
        {
            var v = codePoint - 0x10000;
            into.Add((char)(0xD800 + (v >> 10)));
            into.Add((char)(0xDC00 + (v & 0x3FF)));
        }
    }
}
