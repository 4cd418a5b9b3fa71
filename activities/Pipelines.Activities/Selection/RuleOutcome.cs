namespace Pipelines.Activities.Selection;

/// <summary>The table with each row's requirement results and the chosen row marked, and why it was chosen.</summary>
public sealed record RuleOutcome(IReadOnlyList<CandidateRow> Rows, int Selected, string Reason);
