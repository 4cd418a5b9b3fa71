using System.Text;

namespace Pipelines.Activities.Data;

/// <summary>
/// The one normal form of text in a dataset: <c>\n</c> line ends, no control or zero-width characters, no-break
/// spaces as spaces, no trailing spaces on a line, at most one blank line in a row, nothing blank at either end.
/// </summary>
internal static class TextNormalizer
{
    public static string Normalize(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(text.Length);
        var blankLines = 0;
        for (var start = 0; start <= text.Length;)
        {
            var length = text[start..].IndexOfAny('\n', '\r');
            var line = length < 0 ? text[start..] : text.Slice(start, length);
            // The next line starts after this one's \n, \r or \r\n (past the end when this is the last line).
            start = length < 0 ? text.Length + 1 : start + length + (text[start + length] == '\r' && start + length + 1 < text.Length && text[start + length + 1] == '\n' ? 2 : 1);
            var mark = builder.Length;
            if (mark > 0) builder.Append('\n', blankLines > 0 ? 2 : 1);
            var lineStart = builder.Length;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (c is '\u00a0' or '\u2007' or '\u202f') builder.Append(' ');
                else if (char.IsSurrogate(c)) AppendSurrogate(builder, line, ref i);
                else if (c == '\t' || !(char.IsControl(c) || c is '\u200b' or '\u200c' or '\u200d' or '\u2060' or '\ufeff' or '\u00ad')) builder.Append(c);
            }

            var end = builder.Length;
            while (end > lineStart && builder[end - 1] is ' ' or '\t') end--;
            if (end == lineStart)
            {
                // A blank line: written before the next text, if any.
                builder.Length = mark;
                blankLines++;
                continue;
            }

            builder.Length = end;
            blankLines = 0;
        }

        return builder.ToString();
    }

    /// <summary>One line: every run of whitespace (line breaks too) as one space, no control characters, trimmed.</summary>
    public static string OneLine(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space) builder.Append(' ');
            space = false;
            if (char.IsSurrogate(c)) AppendSurrogate(builder, text, ref i);
            else builder.Append(c);
        }

        return builder.ToString();
    }

    // A pair stays; a lone half (which UTF-8 cannot encode) becomes U+FFFD.
    private static void AppendSurrogate(StringBuilder builder, ReadOnlySpan<char> text, ref int i)
    {
        if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            builder.Append(text[i]).Append(text[i + 1]);
            i++;
        }
        else
        {
            builder.Append('\ufffd');
        }
    }
}
