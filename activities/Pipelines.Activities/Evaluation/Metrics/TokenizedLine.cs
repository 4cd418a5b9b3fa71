using System.Globalization;
using System.Runtime.InteropServices;

namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>One tokenized segment: the tokenizer's output text and the token ranges in it; reused across segments.</summary>
internal sealed class TokenizedLine
{
    private readonly List<char> _text = [];
    private readonly List<char> _scratch = [];
    private readonly List<int> _codePoints = [];
    private readonly List<int> _codePointScratch = [];

    public List<Range> Tokens { get; } = [];

    public ReadOnlySpan<char> Text => CollectionsMarshal.AsSpan(_text);

    public void Tokenize(string segment, BleuTokenizer tokenizer)
    {
        Tokens.Clear();
        _text.Clear();
        var line = PythonText.TrimEnd(segment);
        switch (tokenizer)
        {
            case BleuTokenizer.Mteval13a:
                Mteval13a(line);
                break;
            case BleuTokenizer.International:
                International(line);
                break;
            case BleuTokenizer.Character:
                Character(line);
                return;
            default:
                _text.AddRange(line);
                break;
        }

        PythonText.Split(Text, Tokens);
    }

    /// <summary>mteval-v13a: unescape, then <c>([{-~[-` -&amp;(-+:-@/])</c>, <c>([^0-9])([.,])</c>, <c>([.,])([^0-9])</c>, <c>([0-9])(-)</c>.</summary>
    private void Mteval13a(ReadOnlySpan<char> segment)
    {
        var line = segment.ToString().Replace("<skipped>", "", StringComparison.Ordinal)
            .Replace("-\n", "", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        if (line.Contains('&', StringComparison.Ordinal))
        {
            line = line.Replace("&quot;", "\"", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal)
                .Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal);
        }

        // Python would match a whole astral character where these scans see two surrogates; neither surrogate is a
        // digit, '.', ',' or '-', so every match, and so the output, is the same.
        var a = _text;
        var b = _scratch;
        b.Clear();
        b.Add(' ');
        foreach (var c in line)
        {
            if (IsSplitBy13a(c))
            {
                b.Add(' ');
                b.Add(c);
                b.Add(' ');
            }
            else
            {
                b.Add(c);
            }
        }

        b.Add(' ');
        Scan(b, a, static (x, y) => !char.IsAsciiDigit(x) && y is '.' or ',', static (into, x, y) => { into.Add(x); into.Add(' '); into.Add(y); into.Add(' '); });
        Scan(a, b, static (x, y) => x is '.' or ',' && !char.IsAsciiDigit(y), static (into, x, y) => { into.Add(' '); into.Add(x); into.Add(' '); into.Add(y); });
        Scan(b, a, static (x, y) => char.IsAsciiDigit(x) && y == '-', static (into, x, y) => { into.Add(x); into.Add(' '); into.Add(y); into.Add(' '); });
    }

    private static bool IsSplitBy13a(char c) =>
        c is (>= '{' and <= '~') or (>= '[' and <= '`') or (>= ' ' and <= '&') or (>= '(' and <= '+') or (>= ':' and <= '@') or '/';

    /// <summary>
    /// mteval-v14 international: <c>(\P{N})(\p{P})</c> → "$1 $2 ", <c>(\p{P})(\P{N})</c> → " $1 $2", <c>(\p{S})</c> → " $1 ",
    /// on code points with .NET's Unicode categories.
    /// </summary>
    private void International(ReadOnlySpan<char> line)
    {
        var a = _codePoints;
        var b = _codePointScratch;
        a.Clear();
        PythonText.CodePoints(line, dropSpace: false, a);
        Scan(a, b, static (x, y) => !IsNumber(x) && IsPunctuation(y), static (into, x, y) => { into.Add(x); into.Add(' '); into.Add(y); into.Add(' '); });
        Scan(b, a, static (x, y) => IsPunctuation(x) && !IsNumber(y), static (into, x, y) => { into.Add(' '); into.Add(x); into.Add(' '); into.Add(y); });
        foreach (var c in a)
        {
            if (IsSymbol(c))
            {
                _text.Add(' ');
                PythonText.Append(_text, c);
                _text.Add(' ');
            }
            else
            {
                PythonText.Append(_text, c);
            }
        }
    }

    /// <summary>Every code point but whitespace is a token (sacrebleu joins the characters with spaces, then splits).</summary>
    private void Character(ReadOnlySpan<char> line)
    {
        _text.AddRange(line);
        for (var i = 0; i < line.Length; i++)
        {
            var width = char.IsHighSurrogate(line[i]) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]) ? 2 : 1;
            if (!PythonText.IsSpace(line[i])) Tokens.Add(i..(i + width));
            i += width - 1;
        }
    }

    /// <summary>
    /// One <c>re.sub</c> of a two-element pattern: from left to right, where (x, y) matches write the replacement and
    /// skip both, else copy x and move one on.
    /// </summary>
    private static void Scan<T>(List<T> from, List<T> into, Func<T, T, bool> matches, Action<List<T>, T, T> replace)
    {
        into.Clear();
        var source = CollectionsMarshal.AsSpan(from);
        var i = 0;
        while (i < source.Length)
        {
            if (i + 1 < source.Length && matches(source[i], source[i + 1]))
            {
                replace(into, source[i], source[i + 1]);
                i += 2;
            }
            else
            {
                into.Add(source[i]);
                i++;
            }
        }
    }

    private static bool IsNumber(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint)
        is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    private static bool IsPunctuation(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint)
        is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
        or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
        or UnicodeCategory.OtherPunctuation;

    private static bool IsSymbol(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint)
        is UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol;
}
