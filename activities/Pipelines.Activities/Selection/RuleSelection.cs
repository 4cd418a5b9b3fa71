using System.Globalization;
using Pipelines.Activities.Evaluation;
using Pipelines.Diagnostics;

namespace Pipelines.Activities.Selection;

/// <summary>
/// Applies a <see cref="SelectionRule"/> to measured candidates: marks which meet every bound, then picks the best
/// value of the objective among them (the first listed on a tie). A column that does not exist, a rule with both or
/// neither of maximize/minimize, a column without a value, or no candidate meeting the bounds is an error that says
/// what to change.
/// </summary>
public static class RuleSelection
{
    /// <summary>The columns a rule may name besides the metrics.</summary>
    public static IReadOnlyList<string> Columns { get; } =
        ["parameters", "size_bytes", "context_window", "load_seconds", "first_token_ms", "per_token_ms", "tokens_per_second", "cost_per_1k_tokens"];

    /// <summary>The metrics a dataset can give (eval.metrics' names).</summary>
    public static IReadOnlyList<string> Metrics => MetricSet.AllNames;

    /// <summary>
    /// The rule used when none is given: with a dataset, the best of rougeL (or else the first rankable metric measured;
    /// perplexity is minimized); without one, the most tokens per second.
    /// </summary>
    public static SelectionRule Default(MetricSet? measured)
    {
        if (measured is null) return new SelectionRule { Maximize = "tokens_per_second" };
        var metric = measured.Has(MetricSet.Rouge) ? "rougeL" : MetricSet.RankableNames.FirstOrDefault(n => measured.Has(MetricSet.GroupOf(n)!)) ?? "tokens_per_second";
        return MetricSet.LowerIsBetter(metric) ? new SelectionRule { Minimize = metric } : new SelectionRule { Maximize = metric };
    }

    /// <summary>The value of <paramref name="column"/> in <paramref name="row"/>; null when the row has none (no dataset, no price).</summary>
    public static double? Value(CandidateRow row, string column) => column switch
    {
        "parameters" => row.Parameters,
        "size_bytes" => row.SizeBytes,
        "context_window" => row.ContextWindow,
        "load_seconds" => row.LoadSeconds,
        "first_token_ms" => row.FirstTokenMs,
        "per_token_ms" => row.PerTokenMs,
        "tokens_per_second" => row.TokensPerSecond,
        "cost_per_1k_tokens" => row.CostPer1kTokens,
        _ => row.Metrics.TryGetValue(column, out var value) ? value : null,
    };

    /// <exception cref="ActivityFailedException">The rule is malformed, names a column that does not exist or has no value, or no candidate meets its bounds.</exception>
    public static RuleOutcome Apply(SelectionRule rule, IReadOnlyList<CandidateRow> rows)
    {
        if ((rule.Maximize is null) == (rule.Minimize is null))
            throw new ActivityFailedException("rule needs exactly one of maximize or minimize, e.g. {maximize: rougeL}", retryable: false);
        var objective = rule.Objective;
        CheckColumn(objective, $"rule.{(rule.Maximize is null ? "minimize" : "maximize")}", rows);
        var bounds = (rule.Require ?? new Dictionary<string, double>()).Select(b => Bound(b.Key, b.Value, rows)).ToList();

        var checkedRows = rows.Select(row =>
        {
            var failed = bounds.Where(b => !(Value(row, b.Column) is { } v && (b.IsMinimum ? v >= b.Limit : v <= b.Limit)))
                .Select(b => $"{b.Column} = {Format(Value(row, b.Column))}, needs {(b.IsMinimum ? ">=" : "<=")} {Format(b.Limit)}")
                .ToList();
            return row with { MeetsRequirements = failed.Count == 0, FailedRequirements = failed, Selected = false };
        }).ToList();

        var eligible = checkedRows.Select((row, index) => (row, index)).Where(r => r.row.MeetsRequirements).ToList();
        if (eligible.Count == 0)
        {
            throw new ActivityFailedException("no candidate meets the rule's requirements: "
                + string.Join("; ", checkedRows.Select(r => $"{r.Name}: {string.Join(", ", r.FailedRequirements)}")), retryable: false);
        }

        var best = eligible[0];
        foreach (var candidate in eligible.Skip(1))
        {
            var value = Value(candidate.row, objective)!.Value;
            var bestValue = Value(best.row, objective)!.Value;
            if (rule.Maximize is not null ? value > bestValue : value < bestValue) best = candidate;
        }

        checkedRows[best.index] = best.row with { Selected = true };
        var tied = eligible.Count(c => Value(c.row, objective) == Value(best.row, objective));
        var reason = $"{best.row.Name}: {(rule.Maximize is not null ? "highest" : "lowest")} {objective} ({Format(Value(best.row, objective))})"
                     + $" among {eligible.Count} of {rows.Count} candidates" + (bounds.Count > 0 ? " that meet " + string.Join(", ", rule.Require!.Keys) : "")
                     + (tied > 1 ? $" ({tied} tied; the first listed wins)" : "");
        return new RuleOutcome(checkedRows, best.index, reason);
    }

    private static (string Column, bool IsMinimum, double Limit) Bound(string key, double limit, IReadOnlyList<CandidateRow> rows)
    {
        var isMinimum = key.StartsWith("min_", StringComparison.Ordinal);
        if (!isMinimum && !key.StartsWith("max_", StringComparison.Ordinal))
        {
            var known = Columns.Concat(Metrics).SelectMany(c => new[] { "min_" + c, "max_" + c });
            throw new ActivityFailedException($"rule.require.{key}: a bound is min_<column> or max_<column>{Near(key, known)}", retryable: false);
        }

        var column = key[4..];
        CheckColumn(column, $"rule.require.{key}", rows);
        return (column, isMinimum, limit);
    }

    private static void CheckColumn(string column, string where, IReadOnlyList<CandidateRow> rows)
    {
        if (!Columns.Contains(column) && !Metrics.Contains(column))
        {
            throw new ActivityFailedException($"{where}: '{column}' is not a column of the table{Near(column, Columns.Concat(Metrics))} "
                + $"(columns: {string.Join(", ", Columns.Concat(Metrics))})", retryable: false);
        }

        var missing = rows.FirstOrDefault(r => Value(r, column) is null);
        if (missing is null) return;
        var why = column == "cost_per_1k_tokens" ? "set price_per_hour to measure it" : "give a dataset of {prompt, completion} and list the metric's group in `metrics`";
        throw new ActivityFailedException($"{where}: {missing.Name} has no {column}; {why}", retryable: false);
    }

    private static string Near(string name, IEnumerable<string> known) => NearestName.Find(name, known) is { } near ? $" (did you mean '{near}'?)" : "";

    private static string Format(double? value) => value is { } v ? Number(v) : "missing";

    /// <summary>Whole numbers in full (parameter counts), others to 4 significant digits.</summary>
    internal static string Number(double value) =>
        Math.Abs(value) >= 1 && Math.Abs(value) < 1e15 && value == Math.Floor(value)
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("G4", CultureInfo.InvariantCulture);
}
