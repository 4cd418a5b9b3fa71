namespace Pipelines.Activities.Data;

/// <summary>
/// Words as every stage counts them: maximal runs of letters and digits (any script). The filters count them, the
/// exact-duplicate key and the MinHash shingles hash them, so "Hello, world!" and "hello world" read alike everywhere.
/// </summary>
internal static class Words
{
    public static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || (c > '\u007f' && char.IsLetterOrDigit(c));

    public static int Count(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var _ in new WordEnumerator(text)) count++;
        return count;
    }

    /// <summary>The 64-bit hash of a word, case-folded: the same for "Word" and "WORD".</summary>
    public static ulong Hash(ReadOnlySpan<char> word)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var c in word)
        {
            var lower = char.IsAscii(c) ? (char)(c | (char.IsAsciiLetterUpper(c) ? 0x20 : 0)) : char.ToLowerInvariant(c);
            hash = (hash ^ lower) * 0x100000001b3UL;
        }

        return StableHash.Mix(hash);
    }
}

/// <summary>Enumerates the words of a span without allocating: <c>foreach (var word in new WordEnumerator(text))</c>.</summary>
internal ref struct WordEnumerator(ReadOnlySpan<char> text)
{
    private readonly ReadOnlySpan<char> _text = text;
    private int _next;

    public ReadOnlySpan<char> Current { get; private set; }

    public readonly WordEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        var i = _next;
        while (i < _text.Length && !Words.IsWordChar(_text[i])) i++;
        if (i == _text.Length)
        {
            _next = i;
            return false;
        }

        var start = i;
        while (i < _text.Length && Words.IsWordChar(_text[i])) i++;
        Current = _text[start..i];
        _next = i;
        return true;
    }
}
