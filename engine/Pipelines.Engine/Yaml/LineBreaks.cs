using System.Buffers;

namespace Pipelines.Yaml;

/// <summary>
/// Line breaks as YamlDotNet's parser counts them, whose marks give most locations: <c>\r\n</c>, <c>\r</c>, <c>\n</c>,
/// NEL (U+0085), and the line and paragraph separators (U+2028, U+2029). Every line and column this project computes
/// itself goes through here, so that a file with old Mac (<c>\r</c>) or Windows endings is located exactly as the parser
/// locates it, and no location points past the end of its line.
/// </summary>
internal static class LineBreaks
{
    /// <summary>The length of the line break starting at <paramref name="index"/> (2 for <c>\r\n</c>), or 0 when there is none.</summary>
    public static int At(ReadOnlySpan<char> text, int index) => text[index] switch
    {
        '\r' => index + 1 < text.Length && text[index + 1] == '\n' ? 2 : 1,
        '\n' or '\u0085' or '\u2028' or '\u2029' => 1,
        _ => 0,
    };

    /// <summary>The 1-based line and column of <paramref name="offset"/> in <paramref name="text"/>.</summary>
    public static (int Line, int Column) Position(ReadOnlySpan<char> text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        var line = 1;
        var lineStart = 0;
        Advance(text, 0, offset, ref line, ref lineStart);
        return (line, offset - lineStart + 1);
    }

    /// <summary>
    /// Counts the breaks that end in <c>[from, to]</c> into <paramref name="line"/>, and sets <paramref name="lineStart"/>
    /// to the offset after the last one: the position of <paramref name="to"/>, given that of <paramref name="from"/>.
    /// </summary>
    public static void Advance(ReadOnlySpan<char> text, int from, int to, ref int line, ref int lineStart)
    {
        for (var i = from; i < to;)
        {
            var next = text[i..to].IndexOfAny(Breaks);
            if (next < 0) return;
            i += next;
            var length = At(text, i);
            if (i + length > to) return; // the offset is the \n of a \r\n: still the end of this line
            i += length;
            line++;
            lineStart = i;
        }
    }

    private static readonly SearchValues<char> Breaks = SearchValues.Create("\r\n\u0085\u2028\u2029");

    /// <summary>The lines of <paramref name="text"/>, without their breaks.</summary>
    public static List<string> Split(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length;)
        {
            var length = At(text, i);
            if (length == 0)
            {
                i++;
                continue;
            }

            lines.Add(text[start..i]);
            i += length;
            start = i;
        }

        lines.Add(text[start..]);
        return lines;
    }
}
