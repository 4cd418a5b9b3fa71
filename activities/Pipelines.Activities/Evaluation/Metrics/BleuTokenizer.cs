namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>The sacrebleu tokenizers BLEU can split text with before counting n-grams (sacrebleu's <c>--tokenize</c>).</summary>
public enum BleuTokenizer
{
    /// <summary><c>13a</c>, sacrebleu's default: mteval-v13a.pl's tokenization (punctuation split off, except periods and commas inside numbers).</summary>
    Mteval13a,

    /// <summary><c>none</c>: split on whitespace only.</summary>
    None,

    /// <summary><c>intl</c>: mteval-v14.pl's international tokenization (every Unicode punctuation mark and symbol split off, except punctuation between digits).</summary>
    International,

    /// <summary><c>char</c>: every character but whitespace is a token.</summary>
    Character,
}
