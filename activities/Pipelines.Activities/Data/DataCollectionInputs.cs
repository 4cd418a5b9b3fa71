namespace Pipelines.Activities.Data;

public sealed record DataCollectionInputs
{
    [Port("The served model whose traffic to collect, as `serve --model` names it: NAME@ALIAS (email-subjects@production).")]
    public required string Model { get; init; }

    [Port("How far back to look, a duration (7d, 12h); the window ends when the step runs.")]
    public string Window { get; init; } = "7d";

    [Port("Keep only answers users rated at least this (0 to 1: /v1/feedback's scale); unset: every sampled answer, rated or not.")]
    [Range(0, 1)]
    public double? MinRating { get; init; }

    [Port("Most records, newest first.")]
    [Range(1, 1_000_000)]
    public int Limit { get; init; } = 10_000;
}
