namespace Pipelines.Activities.Selection;

/// <summary>
/// How <c>model.select</c> picks: the candidate with the highest (<see cref="Maximize"/>) or lowest
/// (<see cref="Minimize"/>) value of one column of the table, among those that meet every bound of
/// <see cref="Require"/>. Ties go to the candidate listed first.
/// </summary>
public sealed record SelectionRule
{
    [Port("Pick the highest value of this column: a metric (rougeL, bleu, chrf, exact_match, ...) or tokens_per_second, context_window, ...")]
    public string? Maximize { get; init; }

    [Port("Pick the lowest value of this column: cost_per_1k_tokens, first_token_ms, per_token_ms, load_seconds, parameters, size_bytes, perplexity, ...")]
    public string? Minimize { get; init; }

    [Port("Bounds a pick must meet, as min_<column> or max_<column>: {max_cost_per_1k_tokens: 0.01, min_rougeL: 0.2}.")]
    public IReadOnlyDictionary<string, double>? Require { get; init; }

    /// <summary>The column ranked on.</summary>
    internal string Objective => Maximize ?? Minimize ?? "";

    /// <summary>"maximize rougeL", with the bounds when there are some.</summary>
    public override string ToString() =>
        (Maximize is not null ? $"maximize {Maximize}" : $"minimize {Minimize}")
        + (Require is { Count: > 0 } bounds ? " where " + string.Join(", ", bounds.Select(b => $"{b.Key} {RuleSelection.Number(b.Value)}")) : "");
}
