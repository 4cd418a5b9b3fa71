namespace Pipelines.Activities.Data;

public sealed record DataCollectionOutputs
{
    [Port("The collected traffic: JSONL of {prompt, completion, rating, id, at, version} (prompt and answer as logged: redacted), oldest first; give it to data.curate as its `source` (format jsonl).")]
    public required string Dataset { get; init; }

    [Port("Records written.")]
    public required int Records { get; init; }

    [Port("Requests in the window (sampled or not).")]
    public required int Requests { get; init; }

    [Port("Records that carry a user's rating.")]
    public required int Rated { get; init; }

    [Port("The mean rating of the rated records; null when none is rated.")]
    public double? MeanRating { get; init; }
}
