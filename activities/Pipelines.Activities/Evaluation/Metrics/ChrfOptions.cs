namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>How <see cref="Chrf"/> scores; the defaults are sacrebleu's chrF (chrF2). <c>WordOrder = 2</c> gives chrF++.</summary>
public sealed record ChrfOptions
{
    /// <summary>sacrebleu's defaults: character 6-grams, no word n-grams, beta 2, whitespace ignored, effective-order averaging.</summary>
    public static ChrfOptions Default { get; } = new();

    /// <summary>chrF++: sacrebleu's defaults with word unigrams and bigrams.</summary>
    public static ChrfOptions ChrfPlusPlus { get; } = new() { WordOrder = 2 };

    /// <summary>The highest character n-gram order (sacrebleu's <c>char_order</c>); 6 by default.</summary>
    public int CharOrder { get; init; } = 6;

    /// <summary>The highest word n-gram order (sacrebleu's <c>word_order</c>); 0 by default, 2 for chrF++.</summary>
    public int WordOrder { get; init; }

    /// <summary>How much more recall weighs than precision (sacrebleu's <c>beta</c>); 2 by default.</summary>
    public int Beta { get; init; } = 2;

    /// <summary>Keep whitespace in character n-grams (sacrebleu's <c>whitespace</c>); off by default.</summary>
    public bool Whitespace { get; init; }

    /// <summary>
    /// chrF++.py's epsilon smoothing: average the per-order F-scores (sacrebleu's <c>eps_smoothing</c>). Off by default:
    /// sacrebleu then averages precision and recall over the orders where both sides have n-grams, and takes one F-score.
    /// </summary>
    public bool EpsSmoothing { get; init; }
}
