namespace Pipelines.Activities.Data;

/// <summary>
/// The quality rules a prompt (and its completion) must pass, in the order they are checked; a record that fails is
/// counted under the first rule it fails. <c>empty_prompt</c> and <c>empty_completion</c> always apply (for text
/// records, which have no completion, <c>empty_text</c>); the others apply when their limit is set (a non-zero length,
/// a ratio below 1, a language).
/// </summary>
internal sealed class QualityFilters
{
    public const string EmptyPrompt = "empty_prompt";
    public const string EmptyCompletion = "empty_completion";
    public const string EmptyText = "empty_text";

    private readonly QualityFilterOptions _options;
    private readonly bool _textRecords;

    public QualityFilters(QualityFilterOptions options, bool textRecords = false)
    {
        _options = options;
        _textRecords = textRecords;
        var rules = textRecords ? new List<string> { EmptyText } : [EmptyPrompt, EmptyCompletion];
        if (options.MinChars > 0) rules.Add("min_chars");
        if (options.MaxChars > 0) rules.Add("max_chars");
        if (options.MinWords > 0) rules.Add("min_words");
        if (options.MaxWords > 0) rules.Add("max_words");
        if (options.MaxSymbolRatio < 1) rules.Add("max_symbol_ratio");
        if (options.MaxRepeatedLineRatio < 1) rules.Add("max_repeated_line_ratio");
        if (options.Language is not null) rules.Add("language");
        Rules = rules;
    }

    /// <summary>The rules in force, in the order they are checked.</summary>
    public IReadOnlyList<string> Rules { get; }

    /// <summary>
    /// The first rule the record fails, with what was measured ("12 words"), or null when it passes. A text record
    /// has no <paramref name="completion"/> (null).
    /// </summary>
    public (string Rule, string Measured)? FirstFailure(string prompt, string? completion)
    {
        if (prompt.Length == 0) return (_textRecords ? EmptyText : EmptyPrompt, "no text");
        if (completion is { Length: 0 }) return (EmptyCompletion, "no text");

        var o = _options;
        if (o.MinChars > 0 && prompt.Length < o.MinChars) return ("min_chars", $"{prompt.Length} characters");
        if (o.MaxChars > 0 && prompt.Length > o.MaxChars) return ("max_chars", $"{prompt.Length} characters");

        if (o.MinWords > 0 || o.MaxWords > 0)
        {
            var words = Words.Count(prompt);
            if (o.MinWords > 0 && words < o.MinWords) return ("min_words", $"{words} words");
            if (o.MaxWords > 0 && words > o.MaxWords) return ("max_words", $"{words} words");
        }

        if (o.MaxSymbolRatio < 1 && SymbolRatio(prompt) is var symbols && symbols > o.MaxSymbolRatio)
            return ("max_symbol_ratio", $"symbol ratio {symbols:0.00}");
        if (o.MaxRepeatedLineRatio < 1 && RepeatedLineRatio(prompt) is var repeated && repeated > o.MaxRepeatedLineRatio)
            return ("max_repeated_line_ratio", $"repeated-line ratio {repeated:0.00}");
        if (o.Language is { } language && LanguageHeuristic.Detect(prompt) is var detected && detected != language)
            return ("language", detected is null ? "language unknown" : $"language {detected}");
        return null;
    }

    /// <summary>The share of non-space characters that are neither letters nor digits.</summary>
    public static double SymbolRatio(ReadOnlySpan<char> text)
    {
        int visible = 0, symbols = 0;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c)) continue;
            visible++;
            if (!char.IsLetterOrDigit(c)) symbols++;
        }

        return visible == 0 ? 0 : (double)symbols / visible;
    }

    /// <summary>The share of non-blank lines that are the same (trimmed) as an earlier line.</summary>
    public static double RepeatedLineRatio(string text)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        int lines = 0, repeated = 0;
        for (var start = 0; start <= text.Length;)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0) end = text.Length;
            var line = text.AsSpan(start, end - start).Trim();
            start = end + 1;
            if (line.IsEmpty) continue;
            lines++;
            if (!seen.Add(line)) repeated++;
        }

        return lines == 0 ? 0 : (double)repeated / lines;
    }
}
