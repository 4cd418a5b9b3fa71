namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>
/// sacrebleu's tokenizers, as BLEU applies them: strip trailing whitespace, tokenize, split on whitespace. The regular
/// expressions of <c>13a</c> and <c>intl</c> are replayed as single left-to-right scans with the same leftmost,
/// non-overlapping matches as Python's <c>re.sub</c>; <c>intl</c> and <c>char</c> work on code points, as Python does.
/// </summary>
public static class BleuTokenization
{
    /// <summary>sacrebleu's names of the tokenizers: 13a, none, intl, char.</summary>
    public static IReadOnlyList<string> Names { get; } = ["13a", "none", "intl", "char"];

    /// <summary>The tokenizer called <paramref name="name"/> in sacrebleu (13a, none, intl, char).</summary>
    public static BleuTokenizer Parse(string name) => name switch
    {
        "13a" => BleuTokenizer.Mteval13a,
        "none" => BleuTokenizer.None,
        "intl" => BleuTokenizer.International,
        "char" => BleuTokenizer.Character,
        _ => throw new ArgumentException($"unknown BLEU tokenizer '{name}'; one of {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>sacrebleu's name of <paramref name="tokenizer"/>.</summary>
    public static string Name(BleuTokenizer tokenizer) => Names[(int)tokenizer];

    /// <summary>The tokens BLEU counts in <paramref name="segment"/>.</summary>
    public static IReadOnlyList<string> Tokenize(string segment, BleuTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var line = new TokenizedLine();
        line.Tokenize(segment, tokenizer);
        return line.Tokens.Select(t => new string(line.Text[t])).ToArray();
    }
}
