namespace Pipelines.Expressions;

/// <summary>One piece of a scalar: literal text or the source of one <c>${{ }}</c> expression.</summary>
public sealed record TemplatePart(string Text, bool IsExpression, int Offset);

/// <summary>
/// A YAML scalar split into literal text and <c>${{ expression }}</c> parts. A scalar that is exactly one expression
/// keeps the expression's type; anything else is string interpolation.
/// </summary>
public sealed record TemplateString(IReadOnlyList<TemplatePart> Parts)
{
    private const string Open = "${{";
    private const string Close = "}}";

    public bool HasExpressions => Parts.Any(p => p.IsExpression);

    /// <summary>True when the scalar is one expression and nothing else, so its value keeps its type.</summary>
    public bool IsSingleExpression => Parts.Count == 1 && Parts[0].IsExpression;

    public static bool ContainsExpression(string text) => text.Contains(Open, StringComparison.Ordinal);

    /// <summary>Splits <paramref name="text"/>; on an unclosed <c>${{</c> returns the offset of the opening.</summary>
    public static TemplateString Parse(string text, out int? unclosedAt)
    {
        unclosedAt = null;
        var parts = new List<TemplatePart>();
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf(Open, position, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(new TemplatePart(text[position..], false, position));
                break;
            }

            if (open > position)
            {
                parts.Add(new TemplatePart(text[position..open], false, position));
            }

            var close = FindClose(text, open + Open.Length);
            if (close < 0)
            {
                unclosedAt = open;
                parts.Add(new TemplatePart(text[open..], false, open));
                break;
            }

            var inner = text[(open + Open.Length)..close];
            var leading = inner.Length - inner.TrimStart().Length;
            parts.Add(new TemplatePart(inner.Trim(), true, open + Open.Length + leading));
            position = close + Close.Length;
        }

        // Whitespace around a single expression does not turn it into a string.
        var meaningful = parts.Where(p => p.IsExpression || !string.IsNullOrWhiteSpace(p.Text)).ToList();
        return meaningful.Count == 1 && meaningful[0].IsExpression ? new TemplateString(meaningful) : new TemplateString(parts);
    }

    /// <summary>
    /// The offset of the closing <c>}}</c> of an expression whose source starts at <paramref name="from"/> (just after
    /// <c>${{</c>), skipping braces and quotes inside it (object literals, strings); -1 when it is not closed.
    /// </summary>
    internal static int FindClose(string text, int from)
    {
        var depth = 0;
        char quote = '\0';
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
                continue;
            }

            switch (c)
            {
                case '\'' or '"' or '`':
                    quote = c;
                    break;
                case '{':
                    depth++;
                    break;
                case '}' when depth > 0:
                    depth--;
                    break;
                case '}' when i + 1 < text.Length && text[i + 1] == '}':
                    return i;
            }
        }

        return -1;
    }
}
