using System.Globalization;
using System.Text;

namespace Pipelines.Diagnostics;

/// <summary>
/// Keeps every diagnostic one line of bounded size, whatever the file holds. Text from the file that a message quotes
/// (keys, values, step ids, expressions) goes through <see cref="Quote"/>: line breaks, tabs and other control
/// characters are escaped (<c>\n</c>, <c>\t</c>, <c>\u001B</c>) and a value longer than <see cref="MaxEcho"/> characters is
/// cut with an ellipsis. <see cref="Diagnostic"/> passes its whole message and hint through <see cref="OneLine"/> as well,
/// so no message can break a line or grow without bound even where a value was not quoted on purpose.
/// </summary>
public static class DiagnosticText
{
    /// <summary>The most characters of one quoted value; enough for any name the format allows (63) and a short value.</summary>
    public const int MaxEcho = 200;

    /// <summary>The most characters of a whole message or hint.</summary>
    public const int MaxLength = 1000;

    /// <summary>The most names a list in a hint shows ("its inputs are: a, b, c").</summary>
    public const int MaxListed = 10;

    /// <summary><c>'value'</c>, escaped and cut to <see cref="MaxEcho"/> characters.</summary>
    public static string Quote(string value) => $"'{OneLine(value, MaxEcho)}'";

    /// <summary>
    /// <paramref name="names"/> joined with ", ", at most <see cref="MaxListed"/> of them followed by "and N more"; each
    /// name escaped and cut like a quoted value.
    /// </summary>
    public static string List(IEnumerable<string> names)
    {
        var shown = new List<string>(MaxListed);
        var total = 0;
        foreach (var name in names)
        {
            if (total++ < MaxListed) shown.Add(OneLine(name, MaxEcho));
        }

        var list = string.Join(", ", shown);
        return total > MaxListed ? $"{list} and {(total - MaxListed).ToString("N0", CultureInfo.InvariantCulture)} more" : list;
    }

    /// <summary>
    /// The text on one line: control characters (C0, DEL, C1), the Unicode line and paragraph separators and the bidi
    /// controls (which can make a line read differently from what it holds) escaped, and cut to <paramref name="max"/>
    /// characters with a trailing "…".
    /// </summary>
    public static string OneLine(string text, int max = MaxLength)
    {
        var escapedLength = 0;
        foreach (var c in text)
        {
            escapedLength += Escape(c)?.Length ?? 1;
            if (escapedLength > max) break;
        }

        if (escapedLength == text.Length && escapedLength <= max) return text; // nothing to escape, and it fits

        var cut = escapedLength > max;
        var builder = new StringBuilder(Math.Min(escapedLength, max));
        foreach (var c in text)
        {
            var piece = Escape(c);
            if (cut && builder.Length + (piece?.Length ?? 1) > max - 1)
            {
                // Never leave half of a surrogate pair before the ellipsis.
                if (builder.Length > 0 && char.IsHighSurrogate(builder[^1])) builder.Length--;
                return builder.Append('…').ToString();
            }

            if (piece is null) builder.Append(c);
            else builder.Append(piece);
        }

        return builder.ToString();
    }

    private static string? Escape(char c) => c switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        < ' ' or '\u007F' or (>= '\u0080' and <= '\u009F') or '\u2028' or '\u2029'
            or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') => $"\\u{(int)c:X4}",
        _ => null,
    };
}
