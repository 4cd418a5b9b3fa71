using System.Text;

namespace Pipelines.Activities.Data;

/// <summary>
/// A prompt template: text with <c>{field}</c> placeholders, <c>{{</c> and <c>}}</c> for literal braces. Parsed once;
/// rendering appends literal parts and field values.
/// </summary>
internal sealed class PromptTemplate
{
    private readonly (string Text, bool IsField)[] _parts;

    private PromptTemplate(string source, (string Text, bool IsField)[] parts)
    {
        Source = source;
        _parts = parts;
        Fields = parts.Where(p => p.IsField).Select(p => p.Text).Distinct(StringComparer.Ordinal).ToArray();
        TrailingWhitespace = parts is [.., (var last, false)] ? last[last.TrimEnd().Length..] : "";
    }

    public string Source { get; }

    /// <summary>
    /// The whitespace the template itself ends with (<c>"\n"</c> of <c>"...Subject:\n"</c>), which normalising the
    /// rendered text would drop: prompt formats often end with a newline or space the completion is meant to follow.
    /// </summary>
    public string TrailingWhitespace { get; }

    /// <summary>The fields the template reads, each once, in order of first use.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Parses <paramref name="template"/>; a malformed one gives <paramref name="error"/> instead.</summary>
    public static PromptTemplate? Parse(string template, out string? error)
    {
        var parts = new List<(string, bool)>();
        var literal = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{' || c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                literal.Append(c);
                i++;
                continue;
            }

            if (c == '}')
            {
                error = $"a lone '}}' at character {i + 1} (write '}}}}' for a brace)";
                return null;
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            var end = template.IndexOf('}', i + 1);
            var name = end < 0 ? "" : template[(i + 1)..end].Trim();
            if (end < 0 || name.Length == 0 || name.Contains('{', StringComparison.Ordinal))
            {
                error = end < 0 ? $"the '{{' at character {i + 1} is never closed (write '{{{{' for a brace)" : $"an empty or malformed placeholder at character {i + 1}";
                return null;
            }

            if (literal.Length > 0) parts.Add((literal.ToString(), false));
            literal.Clear();
            parts.Add((name, true));
            i = end;
        }

        if (literal.Length > 0) parts.Add((literal.ToString(), false));
        error = null;
        return new PromptTemplate(template, parts.ToArray());
    }

    /// <summary>The rendered text, or null with the first field <paramref name="fields"/> lacks in <paramref name="missing"/>.</summary>
    public string? Render(IReadOnlyDictionary<string, string> fields, out string? missing)
    {
        var builder = new StringBuilder();
        foreach (var (text, isField) in _parts)
        {
            if (!isField)
            {
                builder.Append(text);
                continue;
            }

            if (!fields.TryGetValue(text, out var value))
            {
                missing = text;
                return null;
            }

            builder.Append(value);
        }

        missing = null;
        return builder.ToString();
    }
}
