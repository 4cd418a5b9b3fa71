namespace Pipelines.Activities.Data;

public sealed record DataCollectionInputs
{
    [Port("The served model whose traffic to collect, as `serve --model` names it: NAME@ALIAS (email-subjects@production).")]
    public required string Model { get; init; }

    [Port("How far back to look, a duration (7d, 12h); the window ends when the step runs.")]
    public string Window { get; init; } = "7d";

    [Port("Keep only answers users rated at least this (0 to 1: /v1/feedback's scale); unset: every sampled answer, rated or not. A corrected request is kept whatever its rating: its completion is the correction.")]
    [Range(0, 1)]
    public double? MinRating { get; init; }

    [Port("Keep only requests a user corrected (/v1/feedback's `correction`: the answer they wanted). Then every completion is a person's, not the model's own, so the data can teach the model what it got wrong and an evaluation on it is fair to the model being replaced.")]
    public bool CorrectionsOnly { get; init; }

    [Port("Most records, newest first.")]
    [Range(1, 1_000_000)]
    public int Limit { get; init; } = 10_000;
}
