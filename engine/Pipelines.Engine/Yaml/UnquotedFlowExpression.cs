using System.Text;
using Pipelines.Diagnostics;
using Pipelines.Expressions;

namespace Pipelines.Yaml;

/// <summary>
/// A <c>${{ }}</c> expression written unquoted inside <c>{ }</c> or <c>[ ]</c>. There YAML ends a plain value at '{', so
/// <c>{ minimize: ${{ item.val_loss }} }</c> reads as the value '$' followed by a stray mapping, and the parser's complaint
/// ("did not find expected ',' or '}'") says nothing of the cause. The parser fails exactly at the '{' after the '$'
/// (a key, a value, a sequence item, one line or several, closed or not), so that is what is recognised; the hint then
/// shows the line with its expressions quoted.
/// </summary>
internal static class UnquotedFlowExpression
{
    private const string Rule = "inside { } or [ ] an expression must be quoted (YAML reads its '{' as a new mapping)";

    /// <summary>Lines longer than this are not rewritten: the hint shows the rule and a small example instead.</summary>
    private const int MaxLine = 4 * DiagnosticText.MaxEcho;

    /// <summary>
    /// The hint for a syntax error at <paramref name="errorOffset"/> inside a flow collection; null when it is not an
    /// unquoted expression there.
    /// </summary>
    public static string? Hint(string text, int errorOffset)
    {
        if (errorOffset < 1 || errorOffset >= text.Length || text[errorOffset - 1] != '$'
            || !text.AsSpan(errorOffset).StartsWith("{{", StringComparison.Ordinal))
        {
            return null;
        }

        return ValueStart(text, errorOffset - 1) is { } start && QuotedLine(text, start) is { Length: <= DiagnosticText.MaxEcho } line
            ? $"{Rule}: `{line}`"
            : $"{Rule}, e.g. `with: {{ n: \"${{{{ params.n }}}}\" }}`";
    }

    /// <summary>
    /// Where the plain value holding the '$' at <paramref name="dollar"/> starts: after the flow indicator or ": " before
    /// it. Null when it may have started on an earlier line (a plain value can run over several).
    /// </summary>
    private static int? ValueStart(string text, int dollar)
    {
        var start = dollar;
        while (start > 0 && LineBreaks.At(text, start - 1) == 0)
        {
            var before = text[start - 1];
            if (before is ',' or '[' or ']' or '{' or '}' || before == ':' && char.IsWhiteSpace(text[start])) break;
            start--;
        }

        if (start == 0 || LineBreaks.At(text, start - 1) != 0)
        {
            // At the start of a line: the value begins here only if what ends the line above ends a value too.
            var previous = start - 1;
            while (previous >= 0 && char.IsWhiteSpace(text[previous])) previous--;
            if (previous >= 0 && text[previous] is not (',' or '[' or '{' or ':')) return null;
        }

        while (char.IsWhiteSpace(text[start])) start++;
        return start;
    }

    /// <summary>
    /// The line holding the value that starts at <paramref name="valueStart"/>, with that value and every later plain
    /// value on the line that holds an expression quoted; null when that cannot be done on one line.
    /// </summary>
    private static string? QuotedLine(string text, int valueStart)
    {
        var (_, column) = LineBreaks.Position(text, valueStart);
        var lineStart = valueStart - (column - 1);
        var lineEnd = valueStart;
        while (lineEnd < text.Length && LineBreaks.At(text, lineEnd) == 0)
        {
            if (lineEnd - lineStart > MaxLine) return null;
            lineEnd++;
        }

        var line = new StringBuilder().Append(text, lineStart, valueStart - lineStart);
        for (var i = valueStart; i < lineEnd;)
        {
            var c = text[i];
            if (c == '#' && i > 0 && char.IsWhiteSpace(text[i - 1])) break; // a comment: not part of the fix
            if (char.IsWhiteSpace(c) || c is ',' or ':' or '[' or ']' or '{' or '}')
            {
                line.Append(c);
                i++;
                continue;
            }

            var end = c is '"' or '\'' ? QuotedEnd(text, i, lineEnd) : PlainEnd(text, i, lineEnd);
            if (end < 0) return null;
            var value = c is '"' or '\'' ? text[i..end] : text[i..end].TrimEnd();
            line.Append(c is not ('"' or '\'') && TemplateString.ContainsExpression(value) ? Quote(value) : value);
            i += value.Length;
        }

        return line.ToString().Trim();
    }

    /// <summary>Where a plain value ends in a flow collection: at a flow indicator, a ": ", a comment or the line's end; expressions are skipped whole.</summary>
    private static int PlainEnd(string text, int i, int lineEnd)
    {
        while (i < lineEnd)
        {
            if (text.AsSpan(i, lineEnd - i).StartsWith("${{", StringComparison.Ordinal))
            {
                var close = TemplateString.FindClose(text, i + 3);
                if (close < 0 || close + 2 > lineEnd) return -1; // the expression goes on past this line
                i = close + 2;
                continue;
            }

            var c = text[i];
            if (c is ',' or '[' or ']' or '{' or '}') break;
            if (c == ':' && (i + 1 == lineEnd || char.IsWhiteSpace(text[i + 1]) || text[i + 1] is ',' or '[' or ']' or '{' or '}')) break;
            if (c == '#' && i > 0 && char.IsWhiteSpace(text[i - 1])) break;
            i++;
        }

        return i;
    }

    /// <summary>Just past the closing quote of the quoted value at <paramref name="i"/>; -1 when it is not closed on this line.</summary>
    private static int QuotedEnd(string text, int i, int lineEnd)
    {
        var quote = text[i];
        for (var j = i + 1; j < lineEnd; j++)
        {
            if (quote == '"' && text[j] == '\\') j++;
            else if (text[j] == quote && quote == '\'' && j + 1 < lineEnd && text[j + 1] == '\'') j++;
            else if (text[j] == quote) return j + 1;
        }

        return -1;
    }

    /// <summary>Double quotes where nothing needs escaping, else single quotes (whose only escape is a doubled quote).</summary>
    private static string Quote(string value) =>
        value.Contains('"', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal)
            ? $"'{value.Replace("'", "''", StringComparison.Ordinal)}'"
            : $"\"{value}\"";
}
