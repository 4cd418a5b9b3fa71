namespace Pipelines.Activities.Evaluation.Metrics;

/// <summary>How <see cref="Bleu"/> scores; the defaults are sacrebleu's.</summary>
public sealed record BleuOptions
{
    /// <summary>sacrebleu's defaults: 13a tokenization, exp smoothing, 4-grams.</summary>
    public static BleuOptions Default { get; } = new();

    /// <summary>The tokenizer (sacrebleu's <c>tokenize</c>); <c>13a</c> by default.</summary>
    public BleuTokenizer Tokenizer { get; init; } = BleuTokenizer.Mteval13a;

    /// <summary>The smoothing method (sacrebleu's <c>smooth_method</c>); <c>exp</c> by default.</summary>
    public BleuSmoothing Smoothing { get; init; } = BleuSmoothing.Exp;

    /// <summary>The value of <c>floor</c> (default 0.1) or <c>add-k</c> (default 1); ignored by the other methods.</summary>
    public double? SmoothValue { get; init; }

    /// <summary>The highest n-gram order (sacrebleu's <c>max_ngram_order</c>); 4 by default.</summary>
    public int MaxNgramOrder { get; init; } = 4;

    /// <summary>
    /// Average only over the orders the hypothesis has n-grams of (sacrebleu's <c>effective_order</c>). Unset means
    /// sacrebleu's own choice: off for <see cref="Bleu.Corpus"/>, on for <see cref="Bleu.Sentence"/> (as <c>sentence_bleu</c>).
    /// </summary>
    public bool? EffectiveOrder { get; init; }

    /// <summary>The smoothing value in effect: <see cref="SmoothValue"/>, else the method's default.</summary>
    internal double EffectiveSmoothValue => SmoothValue ?? Smoothing switch
    {
        BleuSmoothing.Floor => 0.1,
        BleuSmoothing.AddK => 1,
        _ => 0,
    };
}
