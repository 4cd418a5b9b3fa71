namespace Pipelines.Activities.Selection;

public sealed record ModelSelectionOutputs
{
    [Port("The chosen candidate, as it was given (path or artifact reference).")]
    public required string Selected { get; init; }

    [Port("One row per candidate, in the order given.")]
    public required IReadOnlyList<CandidateRow> Table { get; init; }

    [Port("The rule applied, e.g. \"maximize rougeL where max_cost_per_1k_tokens 0.01\".")]
    public required string Rule { get; init; }

    [Port("Why this one, e.g. \"llama-small: highest rougeL (0.31) among 2 of 3 candidates that meet max_cost_per_1k_tokens\".")]
    public required string Reason { get; init; }

    [Port("A report artifact: report.md (the table, the rule, why this one), table.csv and chart.svg / chart.png.")]
    public required string Report { get; init; }
}
